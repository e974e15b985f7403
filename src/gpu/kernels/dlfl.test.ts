import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { dlfl } from './dlfl';
import { host, refDlfl } from './reference';
import { gpuBytes, randomHost, relErr, rng, toTensor, useWebGPU } from './test-util';

beforeAll(useWebGPU);

describe('dlfl', () => {
  for (const [N, h, w, c, k, maskKind] of [
    [5, 7, 11, 5, 3, 'random'],
    [5, 9, 18, 21, 3, 'ones'], // two channel groups, two tiles across
    [3, 10, 7, 13, 5, 'zeros'],
    [2, 5, 6, 3, 1, 'random'],
  ] as const) {
    it(`matches the reference: N=${N} h=${h} w=${w} c=${c} k=${k}, ${maskKind} masks`, async () => {
      const r = rng(30 + c + k);
      const a = randomHost([N, h, w, c], () => r(-1, 1));
      const m = randomHost([N, h, w, 1], () => (maskKind === 'random' ? r() : maskKind === 'ones' ? 1 : 0));
      const ref = refDlfl(a, m, k);
      const [at, mt] = [toTensor(a), toTensor(m)] as tf.Tensor4D[];
      const out = dlfl(at, mt, k);
      expect(out.shape).toEqual([1, h, w, c]);
      expect(relErr(await out.data(), ref)).toBeLessThanOrEqual(1e-4);
      tf.dispose([at, mt, out]);
    });
  }

  it('matches values computed by hand on a 3×3 map (N=2, c=1, k=3)', async () => {
    // frame 0: A0(y,x) = 3y + x + 1 (1..9), M0 = 1 everywhere;
    // frame 1: A1 = 10 everywhere, M1 = 1 at (1,1) only, else 0.
    // S = A0·M0 + A1·M1 = [[1,2,3],[4,15,6],[7,8,9]] (5 + 10 at the centre).
    // Q = 3×3 box sum of S with zeros outside:
    //   (0,0) = 1+2+4+15 = 22; (0,1) = 1+2+3+4+15+6 = 31; (0,2) = 2+3+15+6 = 26;
    //   (1,0) = 1+2+4+15+7+8 = 37; (1,1) = 55; (1,2) = 2+3+15+6+8+9 = 43;
    //   (2,0) = 4+15+7+8 = 34; (2,1) = 4+15+6+7+8+9 = 49; (2,2) = 15+6+8+9 = 38.
    const a = host([2, 3, 3, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 10, 10, 10, 10, 10, 10]);
    const m = host([2, 3, 3, 1], [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
    const expected = [22, 31, 26, 37, 55, 43, 34, 49, 38];
    expect(Array.from(refDlfl(a, m, 3).data)).toEqual(expected);
    const [at, mt] = [toTensor(a), toTensor(m)] as tf.Tensor4D[];
    const out = dlfl(at, mt, 3);
    Array.from(await out.data()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
    tf.dispose([at, mt, out]);
  });

  it('does not leak over 200 calls', async () => {
    const r = rng(7);
    const a = toTensor(randomHost([5, 4, 5, 3], () => r())) as tf.Tensor4D;
    const m = toTensor(randomHost([5, 4, 5, 1], () => r())) as tf.Tensor4D;
    tf.dispose(dlfl(a, m, 3));
    const before = { ...tf.memory(), gpu: gpuBytes() };
    for (let i = 0; i < 200; i++) {
      const y = dlfl(a, m, 3);
      if (i % 50 === 0) await y.data();
      y.dispose();
    }
    const after = { ...tf.memory(), gpu: gpuBytes() };
    expect([after.numTensors, after.numBytes, after.gpu]).toEqual([before.numTensors, before.numBytes, before.gpu]);
    tf.dispose([a, m]);
  });
});
