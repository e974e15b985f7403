// VideoFrame ⇄ RGB float32 [height, width, 3] (row-major, interleaved RGB,
// values in [0, 1], sRGB as the browser renders the frame). First version: the
// browser does YUV→RGB (and scaling) by drawing on an OffscreenCanvas and
// reading it back; the way back converts to I420 BT.709 limited range here
// (rgbToI420) and wraps it in a VideoFrame. Kept apart so a GPU path (importExternalTexture + a compute pass)
// can replace it without touching the rest. Works in windows and workers.

export interface RgbImage {
  /** [height, width, 3] floats in [0, 1]. */
  data: Float32Array;
  width: number;
  height: number;
}

/** RGBA bytes → RGB floats in [0, 1] (alpha dropped). */
export function rgbaToRgbFloat(rgba: Uint8Array | Uint8ClampedArray, out?: Float32Array): Float32Array {
  const n = rgba.length >> 2;
  const dst = out ?? new Float32Array(n * 3);
  if (dst.length < n * 3) throw new RangeError(`output holds ${dst.length} floats, needs ${n * 3}`);
  const k = 1 / 255;
  for (let i = 0, j = 0, o = 0; i < n; i++, j += 4, o += 3) {
    dst[o] = rgba[j]! * k;
    dst[o + 1] = rgba[j + 1]! * k;
    dst[o + 2] = rgba[j + 2]! * k;
  }
  return dst;
}

/** RGB floats → RGBA bytes (rounded, clamped to [0, 255], alpha 255; NaN → 0). */
export function rgbFloatToRgba(rgb: Float32Array, out?: Uint8ClampedArray<ArrayBuffer>): Uint8ClampedArray<ArrayBuffer> {
  const n = Math.floor(rgb.length / 3);
  const dst = out ?? new Uint8ClampedArray(n * 4);
  if (dst.length < n * 4) throw new RangeError(`output holds ${dst.length} bytes, needs ${n * 4}`);
  for (let i = 0, j = 0, o = 0; i < n; i++, j += 3, o += 4) {
    // Uint8ClampedArray rounds half to even and clamps; NaN becomes 0.
    dst[o] = rgb[j]! * 255;
    dst[o + 1] = rgb[j + 1]! * 255;
    dst[o + 2] = rgb[j + 2]! * 255;
    dst[o + 3] = 255;
  }
  return dst;
}

export interface ToRgbOptions {
  /** Output size; default the frame's visible size (coded orientation, no aspect-ratio stretch). Other sizes are scaled (high-quality smoothing). */
  width?: number;
  height?: number;
  /** Reuse this buffer (must hold width × height × 3 floats). */
  out?: Float32Array;
}

/**
 * Converts frames to and from RGB floats. Holds one OffscreenCanvas (reused
 * while the size stays the same); create one per worker/pipeline.
 */
export class FrameConverter {
  private canvas: OffscreenCanvas | null = null;
  private ctx: OffscreenCanvasRenderingContext2D | null = null;

  private context(width: number, height: number): OffscreenCanvasRenderingContext2D {
    if (!this.canvas || this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas = new OffscreenCanvas(width, height);
      this.ctx = this.canvas.getContext('2d', { willReadFrequently: true, alpha: false, colorSpace: 'srgb' });
      if (!this.ctx) throw new Error('2D canvas unavailable');
    }
    return this.ctx!;
  }

  /** The frame's pixels as RGBA bytes at the given size (the frame is not closed). */
  toRgba(frame: VideoFrame, width = visibleWidth(frame), height = visibleHeight(frame)): Uint8ClampedArray<ArrayBuffer> {
    const ctx = this.context(width, height);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    // A VideoFrame draws as its visible rectangle (at display size), stretched to width × height.
    ctx.drawImage(frame, 0, 0, width, height);
    return ctx.getImageData(0, 0, width, height, { colorSpace: 'srgb' }).data as Uint8ClampedArray<ArrayBuffer>;
  }

  /** VideoFrame → [h, w, 3] floats in [0, 1]. The frame is not closed. */
  toRgb(frame: VideoFrame, options: ToRgbOptions = {}): RgbImage {
    const width = options.width ?? visibleWidth(frame);
    const height = options.height ?? visibleHeight(frame);
    const data = rgbaToRgbFloat(this.toRgba(frame, width, height), options.out);
    return { data, width, height };
  }

  /**
   * [h, w, 3] floats → a new VideoFrame with this timestamp and duration in
   * seconds: I420, BT.709 limited range (what cameras and the decoder give,
   * and what players expect), converted here so the encoder does not pick
   * full range. The caller owns and closes the frame.
   */
  fromRgb(rgb: Float32Array, width: number, height: number, timestamp: number, duration?: number): VideoFrame {
    return rgbToVideoFrame(rgb, width, height, timestamp, duration);
  }
}

function visibleWidth(frame: VideoFrame): number {
  return frame.visibleRect?.width ?? frame.codedWidth;
}

function visibleHeight(frame: VideoFrame): number {
  return frame.visibleRect?.height ?? frame.codedHeight;
}

/** RGBA bytes → a VideoFrame with `timestamp`/`duration` in seconds (microseconds inside). */
export function rgbaToVideoFrame(
  rgba: Uint8ClampedArray<ArrayBuffer> | Uint8Array<ArrayBuffer>,
  width: number,
  height: number,
  timestamp: number,
  duration?: number,
): VideoFrame {
  const init: VideoFrameBufferInit = {
    format: 'RGBX',
    codedWidth: width,
    codedHeight: height,
    timestamp: Math.round(timestamp * 1e6),
    colorSpace: { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'rgb', fullRange: true },
  };
  if (duration !== undefined && duration > 0) init.duration = Math.round(duration * 1e6);
  return new VideoFrame(rgba, init);
}

/** Bytes of an I420 image of this size (odd sizes round the chroma planes up). */
export function i420Size(width: number, height: number): number {
  const cw = (width + 1) >> 1;
  const ch = (height + 1) >> 1;
  return width * height + 2 * cw * ch;
}

// BT.709 luma weights.
const KR = 0.2126;
const KB = 0.0722;
const KG = 1 - KR - KB;

/**
 * [h, w, 3] R'G'B' floats in [0, 1] → I420 bytes, BT.709 matrix, limited
 * range (Y 16–235, Cb/Cr 16–240); chroma is the mean of each 2×2 block.
 */
export function rgbToI420(rgb: Float32Array, width: number, height: number, out?: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  if (rgb.length < width * height * 3) throw new RangeError(`${rgb.length} floats cannot hold a ${width}×${height} RGB image`);
  const cw = (width + 1) >> 1;
  const ch = (height + 1) >> 1;
  const dst = out ?? new Uint8Array(i420Size(width, height));
  const uOff = width * height;
  const vOff = uOff + cw * ch;
  const clamp01 = (v: number) => (v > 1 ? 1 : v >= 0 ? v : 0); // NaN → 0
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const yy = KR * clamp01(rgb[i]!) + KG * clamp01(rgb[i + 1]!) + KB * clamp01(rgb[i + 2]!);
      dst[y * width + x] = Math.round(16 + 219 * yy);
    }
  }
  for (let cy = 0; cy < ch; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let n = 0;
      for (let dy = 0; dy < 2; dy++) {
        const y = 2 * cy + dy;
        if (y >= height) continue;
        for (let dx = 0; dx < 2; dx++) {
          const x = 2 * cx + dx;
          if (x >= width) continue;
          const i = (y * width + x) * 3;
          r += clamp01(rgb[i]!);
          g += clamp01(rgb[i + 1]!);
          b += clamp01(rgb[i + 2]!);
          n += 1;
        }
      }
      r /= n;
      g /= n;
      b /= n;
      const yy = KR * r + KG * g + KB * b;
      const cb = (b - yy) / (2 * (1 - KB));
      const cr = (r - yy) / (2 * (1 - KR));
      dst[uOff + cy * cw + cx] = Math.round(128 + 224 * cb);
      dst[vOff + cy * cw + cx] = Math.round(128 + 224 * cr);
    }
  }
  return dst;
}

/** The colour space of frames made by rgbToVideoFrame (and of typical camera / web video). */
export const BT709_LIMITED: VideoColorSpaceInit = { primaries: 'bt709', transfer: 'bt709', matrix: 'bt709', fullRange: false };

/** [h, w, 3] floats → an I420 BT.709 limited-range VideoFrame; `timestamp`/`duration` in seconds. */
export function rgbToVideoFrame(rgb: Float32Array, width: number, height: number, timestamp: number, duration?: number): VideoFrame {
  const init: VideoFrameBufferInit = {
    format: 'I420',
    codedWidth: width,
    codedHeight: height,
    timestamp: Math.round(timestamp * 1e6),
    colorSpace: BT709_LIMITED,
  };
  if (duration !== undefined && duration > 0) init.duration = Math.round(duration * 1e6);
  return new VideoFrame(rgbToI420(rgb, width, height), init);
}
