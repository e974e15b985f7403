// Parity with the PyTorch operators of training/ops.py (the training side's
// definition): fixtures/torch-ops.json is written by fixtures/make_torch_ops.py.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import fixture from './fixtures/torch-ops.json';
import { correlation, dcnAlign, dlfl, flowWarp } from './index';
import { host, type HostTensor } from './reference';
import { relErr, toTensor, useWebGPU } from './test-util';

beforeAll(useWebGPU);

type Arr = { shape: number[]; data: number[] };
const h = (a: Arr): HostTensor => host(a.shape, a.data);
const t4 = (a: Arr) => toTensor(h(a)) as tf.Tensor4D;

async function check(out: tf.Tensor, expected: Arr): Promise<number> {
  expect(out.shape).toEqual(expected.shape);
  const err = relErr(await out.data(), h(expected));
  out.dispose();
  return err;
}

describe('WGSL kernels vs PyTorch (training/ops.py)', () => {
  it('flowWarp = ops.warp', async () => {
    const f = fixture.flowWarp;
    const [x, fl] = [t4(f.x), t4(f.flow)];
    expect(await check(flowWarp(x, fl), f.out)).toBeLessThanOrEqual(1e-4);
    tf.dispose([x, fl]);
  });
  it('correlation = ops.correlation', async () => {
    const f = fixture.correlation;
    const [a, b] = [t4(f.a), t4(f.b)];
    expect(await check(correlation(a, b, f.d), f.out)).toBeLessThanOrEqual(1e-4);
    tf.dispose([a, b]);
  });
  it('dcnAlign = ops.dcn_align (plain and torchvision paths)', async () => {
    const f = fixture.dcnAlign;
    const ts = [t4(f.x), t4(f.mask), t4(f.offset), t4(f.weight)];
    const bias = toTensor(h(f.bias)) as tf.Tensor1D;
    expect(await check(dcnAlign(ts[0], ts[1], ts[2], ts[3], bias), f.out)).toBeLessThanOrEqual(1e-4);
    tf.dispose([...ts, bias]);
  });
  it('dlfl = ops.dlfl', async () => {
    const f = fixture.dlfl;
    const [a, m] = [t4(f.aligned), t4(f.masks)];
    expect(await check(dlfl(a, m, f.k), f.out)).toBeLessThanOrEqual(1e-4);
    tf.dispose([a, m]);
  });
});
