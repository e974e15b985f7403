import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { flowWarp } from './flow-warp';
import { host, refFlowWarp } from './reference';
import { gpuBytes, randomHost, relErr, rng, toTensor, useWebGPU } from './test-util';

beforeAll(useWebGPU);

describe('flowWarp', () => {
  it('matches the reference at awkward sizes, far/fractional/integer flows', async () => {
    const r = rng(1);
    const [n, h, w, c] = [2, 7, 11, 5];
    const x = randomHost([n, h, w, c], () => r(-1, 1));
    const flow = randomHost([n, h, w, 2], () => 0);
    for (let i = 0; i < flow.data.length; i += 2) {
      const kind = (i / 2) % 4;
      if (kind === 0) { flow.data[i] = r(-3, 3); flow.data[i + 1] = r(-3, 3); } // fractional
      else if (kind === 1) { flow.data[i] = Math.round(r(-4, 4)); flow.data[i + 1] = Math.round(r(-4, 4)); } // integer
      else if (kind === 2) { flow.data[i] = r(-40, 40); flow.data[i + 1] = r(-1e6, 1e6); } // far outside
      else { flow.data[i] = r(-12, 12); flow.data[i + 1] = r(-9, 9); } // partly outside
    }
    const ref = refFlowWarp(x, flow);
    const [xt, ft] = [toTensor(x), toTensor(flow)];
    const out = flowWarp(xt as tf.Tensor4D, ft as tf.Tensor4D);
    expect(out.shape).toEqual([n, h, w, c]);
    expect(relErr(await out.data(), ref)).toBeLessThanOrEqual(1e-4);
    tf.dispose([xt, ft, out]);
  });

  it('matches values computed by hand on a 3×3 map', async () => {
    // x (1 channel) = [[1,2,3],[4,5,6],[7,8,9]], value at (row y, col x) = 3y + x + 1.
    // flow zero except:
    //  p=(0,0): (dx,dy)=(0.5,0.5) → sample (0.5,0.5) = mean(1,2,4,5) = 3
    //  p=(1,1): (dx,dy)=(1,0)     → (1,2) = 6 (integer shift)
    //  p=(2,2): (dx,dy)=(0.5,0)   → (2,2.5): 0.5·9 + 0.5·(outside = 0) = 4.5
    //  p=(0,2): (dx,dy)=(0,-0.25) → (-0.25,2): 0.25·(outside) + 0.75·3 = 2.25
    //  p=(2,0): (dx,dy)=(-5,0)    → (2,-5): all outside = 0
    //  p=(1,0): (dx,dy)=(0.25,0.5)→ (1.5,0.25): 0.5·0.75·4 + 0.5·0.25·5 + 0.5·0.75·7 + 0.5·0.25·8
    //                                         = 1.5 + 0.625 + 2.625 + 1 = 5.75
    //  others: unchanged → 2 (0,1), 6 (1,2), 8 (2,1)
    const x = host([1, 3, 3, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const f = host([1, 3, 3, 2]);
    const set = (y: number, xx: number, dx: number, dy: number) => {
      f.data[(y * 3 + xx) * 2] = dx;
      f.data[(y * 3 + xx) * 2 + 1] = dy;
    };
    set(0, 0, 0.5, 0.5); set(1, 1, 1, 0); set(2, 2, 0.5, 0); set(0, 2, 0, -0.25); set(2, 0, -5, 0); set(1, 0, 0.25, 0.5);
    const expected = [3, 2, 2.25, 5.75, 6, 6, 0, 8, 4.5];
    expect(Array.from(refFlowWarp(x, f).data)).toEqual(expected);
    const [xt, ft] = [toTensor(x), toTensor(f)];
    const out = flowWarp(xt as tf.Tensor4D, ft as tf.Tensor4D);
    const got = Array.from(await out.data());
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    tf.dispose([xt, ft, out]);
  });

  it('accepts inputs TF.js keeps on the CPU', async () => {
    tf.env().set('WEBGPU_CPU_FORWARD', true);
    try {
      const x = tf.add(tf.ones([1, 2, 3, 1]), 1); // 6 elements: computed on the CPU
      const f = tf.zeros([1, 2, 3, 2]);
      const out = flowWarp(x as tf.Tensor4D, f as tf.Tensor4D);
      expect(Array.from(await out.data())).toEqual([2, 2, 2, 2, 2, 2]);
      tf.dispose([x, f, out]);
    } finally {
      tf.env().set('WEBGPU_CPU_FORWARD', false);
    }
  });

  it('does not leak over 200 calls', async () => {
    const r = rng(2);
    const x = toTensor(randomHost([1, 5, 6, 3], () => r(-1, 1))) as tf.Tensor4D;
    const f = toTensor(randomHost([1, 5, 6, 2], () => r(-2, 2))) as tf.Tensor4D;
    tf.dispose(flowWarp(x, f)); // warm-up: pipeline + pooled buffers
    await tf.ready();
    const before = { ...tf.memory(), gpu: gpuBytes() };
    for (let i = 0; i < 200; i++) {
      const y = flowWarp(x, f);
      if (i % 50 === 0) await y.data();
      y.dispose();
    }
    const after = { ...tf.memory(), gpu: gpuBytes() };
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.gpu).toBe(before.gpu);
    tf.dispose([x, f]);
  });
});
