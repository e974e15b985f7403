import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { dcnAlign } from './dcn-align';
import { host, refDcnAlign, type HostTensor } from './reference';
import { gpuBytes, randomHost, relErr, rng, toTensor, useWebGPU } from './test-util';

beforeAll(useWebGPU);

function randomOffsets(shape: number[], r: (lo?: number, hi?: number) => number): HostTensor {
  const t = host(shape);
  for (let i = 0; i < t.data.length; i++) {
    const kind = Math.floor(r(0, 4));
    t.data[i] = kind === 0 ? r(-2, 2) : kind === 1 ? Math.round(r(-3, 3)) : kind === 2 ? r(-30, 30) * (r() < 0.1 ? 1e4 : 1) : 0;
  }
  return t;
}

async function compare(n: number, h: number, w: number, cin: number, cout: number, maskKind: 'random' | 'zeros' | 'ones', seed: number) {
  const r = rng(seed);
  const x = randomHost([n, h, w, cin], () => r(-1, 1));
  const mask = randomHost([n, h, w, 1], () => (maskKind === 'random' ? r() : maskKind === 'ones' ? 1 : 0));
  const offset = randomOffsets([n, h, w, 18], r);
  const weight = randomHost([3, 3, cin, cout], () => r(-0.5, 0.5));
  const bias = randomHost([cout], () => r(-1, 1));
  const ref = refDcnAlign(x, mask, offset, weight, bias);
  const ts = [x, mask, offset, weight].map(toTensor) as tf.Tensor4D[];
  const bt = toTensor(bias) as tf.Tensor1D;
  const out = dcnAlign(ts[0], ts[1], ts[2], ts[3], bt);
  expect(out.shape).toEqual([n, h, w, cout]);
  const err = relErr(await out.data(), ref);
  tf.dispose([...ts, bt, out]);
  return err;
}

describe('dcnAlign', () => {
  it('matches the reference: n=2 h=7 w=11 cin=13 cout=13, random mask', async () => {
    expect(await compare(2, 7, 11, 13, 13, 'random', 21)).toBeLessThanOrEqual(1e-4);
  });
  it('matches the reference: cin=5 cout=70 (two cout tiles), mask of ones', async () => {
    expect(await compare(1, 9, 10, 5, 70, 'ones', 22)).toBeLessThanOrEqual(1e-4);
  });
  it('matches the reference: cin=19 cout=3, mask of zeros (= bias)', async () => {
    expect(await compare(2, 5, 3, 19, 3, 'zeros', 23)).toBeLessThanOrEqual(1e-4);
  });

  it('matches values computed by hand on a 3×3 map', async () => {
    // cin = cout = 1, x(y,x) = 3y + x + 1, mask = 1 except mask(2,2) = 0,
    // weight: w(1,1) (centre, k=4) = 1, w(0,0) (k=0) = 2, others 0; bias 0.5.
    // Zero offsets give out(p) = 0.5 + x·m at p + 2·x·m at p + (−1,−1) (0 outside):
    //   (0,2) = 0.5 + 3 = 3.5; (1,0) = 0.5 + 4 = 4.5; (1,2) = 0.5 + 6 + 2·2 = 10.5;
    //   (2,1) = 0.5 + 8 + 2·4 = 16.5; (2,2) = 0.5 + 9·0 + 2·5 = 10.5; (0,0) = 0.5 + 1 = 1.5.
    // Offsets (dy,dx):
    //   p=(1,1), k=4: (0.5,0.5) → q=(1.5,1.5): x = mean(5,6,8,9) = 7, m = mean(1,1,1,0) = 0.75
    //     → 5.25; k=0: q=(0,0) → 2·1 = 2; out = 0.5 + 5.25 + 2 = 7.75.
    //   p=(0,1), k=0: (1.25,0) → q=(0.25,0): x = 0.75·1 + 0.25·4 = 1.75, m = 1 → 3.5;
    //     centre 2 → out = 6.
    //   p=(2,0), k=0: (0,0.5) → q=(1,−0.5): only (1,0) inside with weight 0.5:
    //     x = 2, m = 0.5 → product 1 (bilinear(x)·bilinear(m), not bilinear(x·m) = 2)
    //     → 2·1 = 2; centre 7 → out = 9.5.
    const x = host([1, 3, 3, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const mask = host([1, 3, 3, 1], [1, 1, 1, 1, 1, 1, 1, 1, 0]);
    const offset = host([1, 3, 3, 18]);
    const setOff = (y: number, xx: number, k: number, dy: number, dx: number) => {
      offset.data[(y * 3 + xx) * 18 + 2 * k] = dy;
      offset.data[(y * 3 + xx) * 18 + 2 * k + 1] = dx;
    };
    setOff(1, 1, 4, 0.5, 0.5);
    setOff(0, 1, 0, 1.25, 0);
    setOff(2, 0, 0, 0, 0.5);
    const weight = host([3, 3, 1, 1], [2, 0, 0, 0, 1, 0, 0, 0, 0]);
    const bias = host([1], [0.5]);
    const expected = [1.5, 6, 3.5, 4.5, 7.75, 10.5, 9.5, 16.5, 10.5];
    expect(Array.from(refDcnAlign(x, mask, offset, weight, bias).data)).toEqual(expected);
    const ts = [x, mask, offset, weight].map(toTensor) as tf.Tensor4D[];
    const bt = toTensor(bias) as tf.Tensor1D;
    const out = dcnAlign(ts[0], ts[1], ts[2], ts[3], bt);
    Array.from(await out.data()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    tf.dispose([...ts, bt, out]);
  });

  it('does not leak over 200 calls', async () => {
    const r = rng(5);
    const x = toTensor(randomHost([1, 3, 4, 2], () => r())) as tf.Tensor4D;
    const m = toTensor(randomHost([1, 3, 4, 1], () => r())) as tf.Tensor4D;
    const o = toTensor(randomHost([1, 3, 4, 18], () => r(-1, 1))) as tf.Tensor4D;
    const wt = toTensor(randomHost([3, 3, 2, 3], () => r())) as tf.Tensor4D;
    const b = toTensor(randomHost([3], () => r())) as tf.Tensor1D;
    tf.dispose(dcnAlign(x, m, o, wt, b));
    const before = { ...tf.memory(), gpu: gpuBytes() };
    for (let i = 0; i < 200; i++) {
      const y = dcnAlign(x, m, o, wt, b);
      if (i % 50 === 0) await y.data();
      y.dispose();
    }
    const after = { ...tf.memory(), gpu: gpuBytes() };
    expect([after.numTensors, after.numBytes, after.gpu]).toEqual([before.numTensors, before.numBytes, before.gpu]);
    tf.dispose([x, m, o, wt, b]);
  });
});
