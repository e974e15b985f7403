// The quality setting: each frame restored in 1, 2 or 4 passes. Pass i runs
// its own sliding window over mirrored copies of the frames (as they are,
// turned 180°, flipped left-right, flipped upside down: training/clips.py's
// PASS_FLIPS, same order), mirrors its output back, and the outputs are
// averaged. The network was trained on mirrored clips, so each pass is an
// equally good guess whose errors differ; their mean is measurably closer to
// the sharp frame (training/RESULTS.md, "More passes at inference"). Time
// and GPU memory grow with the passes.
import * as tf from '@tensorflow/tfjs-core';
import type { Network } from '../model/network';
import { PASS_CHOICES, type Passes } from './protocol';
import { SlidingWindow } from './sliding-window';

/** The axes of an [H, W, 3] frame each pass mirrors (none for the first). */
const PASS_AXES: readonly (readonly number[])[] = [[], [0, 1], [1], [0]];

function mirror(x: tf.Tensor3D, pass: number): tf.Tensor3D {
  const axes = PASS_AXES[pass]!;
  return axes.length === 0 ? x : tf.reverse(x, [...axes]);
}

/** Same contract as SlidingWindow (frames in, restored frames out two frames later, owned by the caller). */
export class SelfEnsemble {
  private readonly windows: SlidingWindow[];

  constructor(net: Network, height: number, width: number, contextFrames: number, passes: Passes) {
    if (!PASS_CHOICES.includes(passes)) throw new Error(`passes must be one of ${PASS_CHOICES.join(', ')}, got ${passes}`);
    this.windows = [];
    try {
      for (let i = 0; i < passes; i++) this.windows.push(new SlidingWindow(net, height, width, contextFrames));
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** Frames held in the caches of all passes together (≤ 5 per pass). */
  get cached(): number {
    return this.windows.reduce((n, w) => n + w.cached, 0);
  }

  push(frame: tf.Tensor3D): tf.Tensor3D[] {
    const outs: tf.Tensor3D[][] = [];
    try {
      this.windows.forEach((win, i) => {
        const x = mirror(frame, i);
        try {
          outs.push(win.push(x));
        } finally {
          if (x !== frame) x.dispose();
        }
      });
    } catch (e) {
      tf.dispose(outs.flat()); // a later pass failed: the earlier passes' frames go too
      throw e;
    }
    return this.average(outs);
  }

  flush(): tf.Tensor3D[] {
    return this.average(this.windows.map((win) => win.flush()));
  }

  dispose(): void {
    for (const w of this.windows) w.dispose();
  }

  /** outs[pass][k]: the k-th ready frame of each pass → their mean, mirrored back (inputs disposed). */
  private average(outs: tf.Tensor3D[][]): tf.Tensor3D[] {
    try {
      if (outs.length === 1) return outs[0]!;
      const n = outs[0]!.length;
      if (outs.some((o) => o.length !== n)) throw new Error('the passes fell out of step');
      return Array.from({ length: n }, (_, k) =>
        tf.tidy(() => tf.div(tf.addN(outs.map((o, i) => mirror(o[k]!, i))), outs.length) as tf.Tensor3D),
      );
    } finally {
      if (outs.length > 1) tf.dispose(outs.flat());
    }
  }
}
