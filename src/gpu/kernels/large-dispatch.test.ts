// More than 65535 workgroups along x: the dispatch is folded into 2-D.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { fold1D } from '../kernel-runner';
import { flowWarp } from './flow-warp';
import { useWebGPU } from './test-util';

beforeAll(useWebGPU);

describe('large dispatches', () => {
  it('fold1D keeps every dimension ≤ 65535 and covers all groups', () => {
    for (const g of [1, 65535, 65536, 131071, 1e6, 4e7]) {
      const [x, y] = fold1D(g);
      expect(x).toBeLessThanOrEqual(65535);
      expect(y).toBeLessThanOrEqual(65535);
      expect(x * y).toBeGreaterThanOrEqual(g);
      expect(x * (y - 1)).toBeLessThan(g);
    }
  });

  it('flowWarp over 16.8 M elements (68,750 workgroups) writes every element', async () => {
    const [w, c] = [1_100_000, 16]; // n·h·w·c = 17.6 M > 65535·256
    const x = tf.tidy(() => tf.reshape(tf.tile(tf.range(0, c, 1, 'float32'), [w]), [1, 1, w, c])) as tf.Tensor4D;
    const flow = tf.zeros([1, 1, w, 2]) as tf.Tensor4D; // identity
    const y = flowWarp(x, flow);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(y, x))));
    expect((await diff.data())[0]).toBe(0);
    tf.dispose([x, flow, y, diff]);
  });
});
