// Shared setup of the Node benchmarks: WebGPU from Dawn (SwiftShader here, a
// real GPU through VK_ICD_FILENAMES elsewhere), TF.js on its webgpu backend.
import * as tf from '@tensorflow/tfjs-core';
import { installNodeWebGPU } from '../src/gpu/node-webgpu';
import { flushTF, gpuDevice } from '../src/gpu/tf-interop';

export async function setupBench(): Promise<GPUDevice> {
  await installNodeWebGPU();
  // The backend registers itself only if navigator.gpu exists when it loads.
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js webgpu backend unavailable');
  await tf.ready();
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  return gpuDevice();
}

export async function adapterName(): Promise<string> {
  const adapter = await navigator.gpu.requestAdapter();
  const info = adapter?.info;
  return info ? `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.replace(/\s+/g, ' ').trim() : 'unknown';
}

export function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const [k, v] = a.slice(2).split('=');
    if (v !== undefined) out[k] = v;
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) out[k] = argv[++i];
    else out[k] = 'true';
  }
  return out;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median wall time (ms) of fn() from call to GPU completion, after warm-up. */
export async function timeKernel(device: GPUDevice, fn: () => tf.Tensor, runs: number, warmup: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) {
    const y = fn();
    flushTF();
    await device.queue.onSubmittedWorkDone();
    y.dispose();
  }
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    await device.queue.onSubmittedWorkDone();
    const t0 = performance.now();
    const y = fn();
    flushTF(); // work TF.js batched but has not submitted yet
    await device.queue.onSubmittedWorkDone();
    times.push(performance.now() - t0);
    y.dispose();
  }
  return times;
}
