// Shared helpers of the kernel tests (Vitest in Node and the e2e page).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import { host, type HostTensor } from './reference';

export async function useWebGPU(): Promise<void> {
  if (tf.getBackend() !== 'webgpu') {
    if (!(await tf.setBackend('webgpu'))) throw new Error('no webgpu backend');
  }
  await tf.ready();
  // Keep small tensors on the GPU too, so the kernels see GPU inputs; the
  // wrappers also accept CPU-resident inputs (tested separately).
  tf.env().set('WEBGPU_CPU_FORWARD', false);
}

/** Deterministic uniform random numbers in [lo, hi) (mulberry32). */
export function rng(seed: number): (lo?: number, hi?: number) => number {
  let s = seed >>> 0;
  return (lo = 0, hi = 1) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return lo + (hi - lo) * u;
  };
}

export function randomHost(shape: number[], r: () => number): HostTensor {
  const t = host(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = r();
  return t;
}

export function toTensor(t: HostTensor): tf.Tensor {
  return tf.tensor(t.data, t.shape, 'float32');
}

/** max|gpu − ref| / max(1, max|ref|): the tests require ≤ 1e-4. */
export function relErr(gpu: ArrayLike<number>, ref: HostTensor): number {
  if (gpu.length !== ref.data.length) throw new Error(`length ${gpu.length} vs ${ref.data.length}`);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < gpu.length; i++) {
    const d = Math.abs(gpu[i] - ref.data[i]);
    if (!(d <= maxDiff)) maxDiff = Number.isNaN(d) ? Infinity : d;
    maxRef = Math.max(maxRef, Math.abs(ref.data[i]));
  }
  return maxDiff / Math.max(1, maxRef);
}

export function gpuBytes(): number {
  return (tf.memory() as unknown as { numBytesInGPU: number }).numBytesInGPU;
}
