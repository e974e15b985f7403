import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { correlation } from './correlation';
import { host, refCorrelation } from './reference';
import { gpuBytes, randomHost, relErr, rng, toTensor, useWebGPU } from './test-util';

beforeAll(useWebGPU);

describe('correlation', () => {
  for (const [n, h, w, c, d] of [
    [2, 7, 11, 5, 3],
    [1, 9, 18, 13, 1],
    [2, 5, 6, 21, 2], // c > channel chunk, not a multiple of it
  ]) {
    it(`matches the reference: n=${n} h=${h} w=${w} c=${c} d=${d}`, async () => {
      const r = rng(10 + c);
      const a = randomHost([n, h, w, c], () => r(-1, 1));
      const b = randomHost([n, h, w, c], () => r(-2, 2));
      const ref = refCorrelation(a, b, d);
      const [at, bt] = [toTensor(a), toTensor(b)] as tf.Tensor4D[];
      const out = correlation(at, bt, d);
      expect(out.shape).toEqual([n, h, w, (2 * d + 1) ** 2]);
      expect(relErr(await out.data(), ref)).toBeLessThanOrEqual(1e-4);
      tf.dispose([at, bt, out]);
    });
  }

  it('matches values computed by hand on a 3×3 map (c=2, d=1)', async () => {
    // a(y,x) = (1, 2) everywhere except a(1,1) = (1, -1).
    // b(y,x) = (v, 1) with v = 3y + x + 1 (1..9).
    // At p=(1,1) all 9 neighbours exist: corr_j = (1·v_j − 1·1)/2 = (v_j − 1)/2
    //   j = 0..8 ↔ v = 1..9 → 0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4.
    // At p=(0,0) (a = (1,2)): corr_j = (v + 2)/2 if p+δ_j inside, else 0.
    //   δ=(0,0): v=1 → 1.5; δ=(0,1): v=2 → 2; δ=(1,0): v=4 → 3; δ=(1,1): v=5 → 3.5;
    //   j = (dy+1)·3 + (dx+1): j=4 → 1.5, j=5 → 2, j=7 → 3, j=8 → 3.5, others 0.
    const a = host([1, 3, 3, 2]);
    const b = host([1, 3, 3, 2]);
    for (let p = 0; p < 9; p++) {
      a.data[2 * p] = 1; a.data[2 * p + 1] = p === 4 ? -1 : 2;
      b.data[2 * p] = p + 1; b.data[2 * p + 1] = 1;
    }
    const centre = [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4];
    const corner = [0, 0, 0, 0, 1.5, 2, 0, 3, 3.5];
    const ref = refCorrelation(a, b, 1);
    expect(Array.from(ref.data.slice(4 * 9, 5 * 9))).toEqual(centre);
    expect(Array.from(ref.data.slice(0, 9))).toEqual(corner);
    const [at, bt] = [toTensor(a), toTensor(b)] as tf.Tensor4D[];
    const out = await correlation(at, bt, 1).data();
    Array.from(out.slice(4 * 9, 5 * 9)).forEach((v, i) => expect(v).toBeCloseTo(centre[i], 5));
    Array.from(out.slice(0, 9)).forEach((v, i) => expect(v).toBeCloseTo(corner[i], 5));
    expect(relErr(out, ref)).toBeLessThanOrEqual(1e-6);
    tf.dispose([at, bt]);
  });

  it('does not leak over 200 calls', async () => {
    const r = rng(3);
    const a = toTensor(randomHost([1, 4, 5, 3], () => r())) as tf.Tensor4D;
    const b = toTensor(randomHost([1, 4, 5, 3], () => r())) as tf.Tensor4D;
    tf.dispose(correlation(a, b, 1));
    const before = { ...tf.memory(), gpu: gpuBytes() };
    for (let i = 0; i < 200; i++) {
      const y = correlation(a, b, 1);
      if (i % 50 === 0) await y.data();
      y.dispose();
    }
    const after = { ...tf.memory(), gpu: gpuBytes() };
    expect([after.numTensors, after.numBytes, after.gpu]).toEqual([before.numTensors, before.numBytes, before.gpu]);
    tf.dispose([a, b]);
  });
});
