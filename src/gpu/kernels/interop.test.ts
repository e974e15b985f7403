// Interop with TF.js's own command batching, disposal and error reporting.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { correlation, dcnAlign, dlfl, flowWarp } from './index';
import { gpuDevice } from '../tf-interop';
import { pipelineCount } from '../kernel-runner';
import { useWebGPU } from './test-util';

beforeAll(useWebGPU);

describe('kernel interop with TF.js', () => {
  it('orders correctly against TF.js work recorded before and after, without awaiting', async () => {
    const a = tf.reshape(tf.range(0, 2 * 3 * 4 * 3), [2, 3, 4, 3]) as tf.Tensor4D;
    const x = tf.add(a, 1) as tf.Tensor4D; // recorded in TF.js's encoder, not yet submitted
    const f = tf.zeros([2, 3, 4, 2]) as tf.Tensor4D;
    const w = flowWarp(x, f); // identity warp
    const y = tf.mul(w, 2); // TF.js reads our output
    const expected = (await a.data()).map((v) => 2 * (v + 1));
    expect(Array.from(await y.data())).toEqual(Array.from(expected));
    tf.dispose([a, x, f, w, y]);
  });

  it('inputs may be disposed right after the call', async () => {
    const x = tf.fill([1, 4, 5, 3], 3) as tf.Tensor4D;
    const f = tf.zeros([1, 4, 5, 2]) as tf.Tensor4D;
    const w = flowWarp(x, f);
    x.dispose();
    f.dispose();
    // New tensors of the same sizes reuse the freed buffers and overwrite them.
    const x2 = tf.fill([1, 4, 5, 3], 7);
    const f2 = tf.fill([1, 4, 5, 2], 9);
    expect(Array.from(await w.data()).every((v) => v === 3)).toBe(true);
    tf.dispose([w, x2, f2]);
  });

  it('works inside tf.tidy and raises no WebGPU validation errors', async () => {
    const device = gpuDevice();
    device.pushErrorScope('validation');
    const before = tf.memory().numTensors;
    const q = tf.tidy(() => {
      const feat = tf.randomNormal([5, 6, 7, 4]) as tf.Tensor4D;
      const m = tf.sigmoid(tf.randomNormal([5, 6, 7, 1])) as tf.Tensor4D;
      const flow = tf.randomNormal([5, 6, 7, 2]) as tf.Tensor4D;
      const warped = flowWarp(feat, flow);
      const cv = correlation(feat, warped, 2);
      const off = tf.randomNormal([5, 6, 7, 18]) as tf.Tensor4D;
      const al = dcnAlign(feat, m, off, tf.randomNormal([3, 3, 4, 4]) as tf.Tensor4D, tf.zeros([4]) as tf.Tensor1D);
      return tf.add(dlfl(al, m, 3), tf.mean(cv));
    });
    expect(q.shape).toEqual([1, 6, 7, 4]);
    expect(Array.from(await q.data()).every(Number.isFinite)).toBe(true);
    q.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(await device.popErrorScope()).toBeNull();
    expect(pipelineCount()).toBeGreaterThanOrEqual(4);
  });

  it('rejects wrong shapes with a clear message', () => {
    const x = tf.zeros([1, 3, 3, 2]) as tf.Tensor4D;
    expect(() => flowWarp(x, tf.zeros([1, 3, 3, 3]) as tf.Tensor4D)).toThrow(/flow has shape \[1,3,3,3\]/);
    expect(() => dlfl(x, tf.zeros([1, 3, 3, 1]) as tf.Tensor4D, 2)).toThrow(/odd/);
    x.dispose();
  });
});
