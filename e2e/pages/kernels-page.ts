// Test page for e2e/kernels.spec.ts: runs the four WebGPU kernels against the
// TypeScript reference inside the browser. window.runKernelChecks() returns,
// per kernel, max|gpu − ref| / max(1, max|ref|), plus the leak bookkeeping.
import * as tf from '@tensorflow/tfjs-core';
import { correlation, dcnAlign, dlfl, flowWarp } from '../../src/gpu/kernels/index';
import { refCorrelation, refDcnAlign, refDlfl, refFlowWarp, type HostTensor } from '../../src/gpu/kernels/reference';
import { randomHost, relErr, rng, toTensor, useWebGPU } from '../../src/gpu/kernels/test-util';

export interface KernelCheckResult {
  backend: string;
  errors: Record<string, number>;
  tensorsBefore: number;
  tensorsAfter: number;
  gpuBytesBefore: number;
  gpuBytesAfter: number;
}

async function gpuVsRef(run: (ts: tf.Tensor[]) => tf.Tensor, inputs: HostTensor[], ref: HostTensor): Promise<number> {
  const ts = inputs.map(toTensor);
  const out = run(ts);
  const err = relErr(await out.data(), ref);
  tf.dispose([...ts, out]);
  return err;
}

async function runKernelChecks(): Promise<KernelCheckResult> {
  await useWebGPU();
  const gpuBytes = () => (tf.memory() as unknown as { numBytesInGPU: number }).numBytesInGPU;
  const tensorsBefore = tf.memory().numTensors;
  const gpuBytesBefore = gpuBytes();
  const r = rng(2024);
  const errors: Record<string, number> = {};
  const [n, h, w, c] = [2, 7, 11, 5];

  const x = randomHost([n, h, w, c], () => r(-1, 1));
  const flow = randomHost([n, h, w, 2], () => (r() < 0.2 ? r(-30, 30) : r() < 0.5 ? Math.round(r(-3, 3)) : r(-3, 3)));
  errors.flowWarp = await gpuVsRef(([a, f]) => flowWarp(a as tf.Tensor4D, f as tf.Tensor4D), [x, flow], refFlowWarp(x, flow));

  const b = randomHost([n, h, w, c], () => r(-1, 1));
  errors.correlation = await gpuVsRef(([a, bb]) => correlation(a as tf.Tensor4D, bb as tf.Tensor4D, 3), [x, b], refCorrelation(x, b, 3));

  const [cin, cout] = [13, 13];
  const xd = randomHost([n, h, w, cin], () => r(-1, 1));
  const mask = randomHost([n, h, w, 1], () => r());
  const off = randomHost([n, h, w, 18], () => (r() < 0.1 ? r(-40, 40) : r(-2, 2)));
  const wt = randomHost([3, 3, cin, cout], () => r(-0.5, 0.5));
  const bias = randomHost([cout], () => r(-1, 1));
  errors.dcnAlign = await gpuVsRef(
    ([a, m, o, ww, bb]) => dcnAlign(a as tf.Tensor4D, m as tf.Tensor4D, o as tf.Tensor4D, ww as tf.Tensor4D, bb as tf.Tensor1D),
    [xd, mask, off, wt, bias],
    refDcnAlign(xd, mask, off, wt, bias),
  );

  const al = randomHost([5, h, w, c], () => r(-1, 1));
  const ms = randomHost([5, h, w, 1], () => r());
  errors.dlfl = await gpuVsRef(([a, m]) => dlfl(a as tf.Tensor4D, m as tf.Tensor4D, 3), [al, ms], refDlfl(al, ms, 3));

  return {
    backend: tf.getBackend(),
    errors,
    tensorsBefore,
    tensorsAfter: tf.memory().numTensors,
    gpuBytesBefore,
    gpuBytesAfter: gpuBytes(),
  };
}

declare global {
  interface Window {
    runKernelChecks: () => Promise<KernelCheckResult>;
  }
}

window.runKernelChecks = runKernelChecks;
document.getElementById('status')!.textContent = 'ready';
