// VideoFrame ⇄ RGB float32 [height, width, 3] (row-major, interleaved RGB,
// values in [0, 1], sRGB as the browser renders the frame). First version: the
// browser does YUV→RGB (and scaling) by drawing on an OffscreenCanvas and
// reading it back; the way back builds an RGBX VideoFrame the encoder converts
// to YUV. Kept apart so a GPU path (importExternalTexture + a compute pass)
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
   * [h, w, 3] floats → a new VideoFrame (RGBX, sRGB) with this timestamp and
   * duration in seconds. The caller owns and closes the frame.
   */
  fromRgb(rgb: Float32Array, width: number, height: number, timestamp: number, duration?: number): VideoFrame {
    if (rgb.length < width * height * 3) throw new RangeError(`${rgb.length} floats cannot hold a ${width}×${height} RGB image`);
    return rgbaToVideoFrame(rgbFloatToRgba(rgb.subarray(0, width * height * 3)), width, height, timestamp, duration);
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
