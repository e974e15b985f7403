// tensorRestorer on TF.js's WebGPU device: frames read back and freed, and a
// real failed allocation (an engine output of maxBufferSize bytes, which
// SwiftShader refuses) turned into the caller's error, nothing left behind.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useWebGPU } from '../gpu/kernels/test-util';
import { GpuOutOfMemoryError } from '../gpu/memory-scope';
import { tensorRestorer, type MemoryWatch, type TensorEngine } from './tf-restorer';

let device: GPUDevice;
let refusedFloats = 0;

beforeAll(async () => {
  await useWebGPU();
  device = (tf.backend() as unknown as { device: GPUDevice }).device;
  const size = device.limits.maxBufferSize;
  device.pushErrorScope('out-of-memory');
  device.createBuffer({ size, usage: GPUBufferUsage.STORAGE }).destroy();
  if (await device.popErrorScope()) refusedFloats = size / 4;
});

const size = { width: 3, height: 2 };
const rgb = Float32Array.from({ length: 18 }, (_, i) => i / 18);

/** An engine that answers each frame at once with whatever `make` computes from it. */
function engine(make: (frame: tf.Tensor3D) => tf.Tensor3D): TensorEngine {
  return { push: (f) => [make(f)], flush: () => [], dispose() {} };
}

class Reported extends Error {}

function watch(seen: GpuOutOfMemoryError[]): MemoryWatch {
  return {
    device,
    onOutOfMemory(e) {
      seen.push(e);
      return new Reported('shown to the user');
    },
  };
}

describe('tensorRestorer', () => {
  it('reads the frames back and frees every tensor', async () => {
    const before = tf.memory().numTensors;
    const seen: GpuOutOfMemoryError[] = [];
    const r = tensorRestorer(engine((f) => tf.mul(f, 2)), size, true, watch(seen));
    const [out] = await r.push(rgb);
    expect(Array.from(out!)).toEqual(Array.from(rgb, (v) => Math.fround(v * 2)));
    expect(await r.flush()).toEqual([]);
    expect(seen).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("throws the watch's error when an allocation fails, and frees every tensor", async (ctx) => {
    if (!refusedFloats) ctx.skip();
    const before = tf.memory().numTensors;
    const seen: GpuOutOfMemoryError[] = [];
    const r = tensorRestorer(engine(() => tf.fill([refusedFloats, 1, 1], 0.5)), size, true, watch(seen));
    await expect(r.push(rgb)).rejects.toBeInstanceOf(Reported);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(GpuOutOfMemoryError);
    expect(tf.memory().numTensors).toBe(before);
    // The device itself is fine: a frame that fits still comes back right.
    const ok = tensorRestorer(engine((f) => tf.add(f, 1)), size, true, watch(seen));
    const [out] = await ok.push(rgb);
    expect(out![17]).toBeCloseTo(1 + 17 / 18, 6);
    expect(seen).toHaveLength(1);
  });
});
