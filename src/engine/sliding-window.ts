// The five-frame sliding window over a stream of frames.
//
// Frames come in one at a time ([H, W, 3] in [0, 1], any size); each is padded
// to a multiple of 16 (edge pixels repeated) and encoded once, and its
// encoding (E1, E2, F, M and the padded frame) stays in a cache while a window
// still needs it: at most five frames. Restored frames come out in order, two
// frames behind the input; at the clip's ends the window repeats the first or
// last frame (as training/clips.py does). Outputs are [H, W, 3], clamped to
// [0, 1]; the caller owns (and disposes) them and its inputs.
//
// Resuming in the middle of a clip: to restore frames from s on, push frames
// from max(0, s − 2) with `contextFrames` = s − max(0, s − 2). Those first
// frames only fill the window (they are encoded, never restored), so the
// outputs are exactly those of a window that started at frame 0.
import * as tf from '@tensorflow/tfjs-core';
import { CENTRE, disposeEncoded, PAD_MULTIPLE, WINDOW, type Encoded, type Network } from '../model/network';

/** Pads [1, h, w, c] on the bottom and right to multiples of `m` by repeating the edge. */
export function padReplicate(x: tf.Tensor4D, m = PAD_MULTIPLE): tf.Tensor4D {
  const [, h, w] = x.shape;
  const ph = (m - (h % m)) % m;
  const pw = (m - (w % m)) % m;
  if (ph === 0 && pw === 0) return tf.clone(x);
  return tf.tidy(() => {
    let y = x;
    if (ph > 0) y = tf.concat([y, tf.tile(tf.slice(y, [0, h - 1, 0, 0], [-1, 1, -1, -1]), [1, ph, 1, 1])], 1);
    if (pw > 0) y = tf.concat([y, tf.tile(tf.slice(y, [0, 0, w - 1, 0], [-1, -1, 1, -1]), [1, 1, pw, 1])], 2);
    return y;
  });
}

/** Indices of the window around frame t in a clip of n frames (ends repeated). */
export function windowIndices(t: number, n: number): number[] {
  return Array.from({ length: WINDOW }, (_, i) => Math.min(Math.max(t + i - CENTRE, 0), n - 1));
}

export class SlidingWindow {
  private readonly cache = new Map<number, Encoded>();
  private received = 0;
  private emitted: number;
  private disposed = false;

  /** `contextFrames`: how many leading frames are pushed only as context for later windows (0..2). */
  constructor(
    private readonly net: Network,
    readonly height: number,
    readonly width: number,
    contextFrames = 0,
  ) {
    if (!Number.isInteger(contextFrames) || contextFrames < 0 || contextFrames > CENTRE) {
      throw new Error(`contextFrames must be 0..${CENTRE}, got ${contextFrames}`);
    }
    this.emitted = contextFrames;
  }

  /** Frames held in the cache right now (≤ 5). */
  get cached(): number {
    return this.cache.size;
  }

  /** Takes one frame; returns the restored frames that became ready (0 or 1). */
  push(frame: tf.Tensor3D): tf.Tensor3D[] {
    this.check();
    const [h, w, c] = frame.shape;
    if (h !== this.height || w !== this.width || c !== 3) {
      throw new Error(`frame is ${h}×${w}×${c}, the engine was made for ${this.height}×${this.width}×3`);
    }
    const x = tf.tidy(() => padReplicate(tf.expandDims(frame, 0) as tf.Tensor4D));
    this.cache.set(this.received, { x, ...this.net.encode(x) });
    this.received += 1;
    const out: tf.Tensor3D[] = [];
    // Frame t is ready once frame t + 2 is in: its window needs no clamping at the end.
    while (this.emitted + CENTRE < this.received) out.push(this.emit(this.emitted, Infinity));
    return out;
  }

  /** The end of the clip: restores the frames still held back. */
  flush(): tf.Tensor3D[] {
    this.check();
    const out: tf.Tensor3D[] = [];
    while (this.emitted < this.received) out.push(this.emit(this.emitted, this.received));
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const e of this.cache.values()) disposeEncoded(e);
    this.cache.clear();
  }

  private check(): void {
    if (this.disposed) throw new Error('the sliding window was disposed');
  }

  private emit(t: number, n: number): tf.Tensor3D {
    const feats = windowIndices(t, n).map((j) => this.cache.get(j)!);
    const restored = this.net.restore(feats);
    const out = tf.tidy(() => tf.squeeze(tf.clipByValue(tf.slice(restored, [0, 0, 0, 0], [1, this.height, this.width, 3]), 0, 1), [0]) as tf.Tensor3D);
    restored.dispose();
    this.emitted = t + 1;
    // Later windows start at emitted − 2 at the earliest.
    for (const [j, e] of this.cache) {
      if (j < this.emitted - CENTRE) {
        disposeEncoded(e);
        this.cache.delete(j);
      }
    }
    return out;
  }
}
