// Glue between the pipeline's CPU-side Restorer and a TF.js engine that takes
// and returns [H, W, 3] tensors in [0, 1] (sliding window, 2-frame delay,
// flush at the end), watching for failed GPU allocations. Also: TF.js WebGPU
// start-up and lost-device detection.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import { GpuOutOfMemoryError, withOutOfMemoryScope } from '../gpu/memory-scope';
import { removeDeadBackend } from '../gpu/tf-interop';
import type { Restorer } from './pipeline';
import type { Size } from './protocol';

/** The engine's shape as the pipeline uses it (SlidingWindow): outputs are
 * [H, W, 3], already clamped to [0, 1], owned by the caller. */
export interface TensorEngine {
  push(frame: tf.Tensor3D): Promise<tf.Tensor3D[]> | tf.Tensor3D[];
  flush(): Promise<tf.Tensor3D[]> | tf.Tensor3D[];
  dispose(): void;
}

export interface TfGpu {
  device: GPUDevice;
  isLost(): boolean;
}

let ready: Promise<TfGpu> | null = null;

/** The priority @tensorflow/tfjs-backend-webgpu 4.22.0 registers its backend with (dist/base.js). */
const WEBGPU_BACKEND_PRIORITY = 3;

/** Starts TF.js on WebGPU once per worker; rejects when there is no WebGPU. */
export function startTf(): Promise<TfGpu> {
  ready ??= (async () => {
    const ok = await tf.setBackend('webgpu');
    if (!ok) throw new Error('the TF.js WebGPU backend did not start');
    await tf.ready();
    const device = (tf.backend() as unknown as { device: GPUDevice }).device;
    let lost = false;
    void device.lost.then(() => {
      lost = true;
    });
    return { device, isLost: () => lost };
  })();
  ready.catch(() => {
    ready = null;
  });
  return ready;
}

/**
 * After a lost device: a fresh WebGPU backend on a new device. TF.js cannot
 * repair a backend whose device is gone, so the old one is removed and the
 * backend's own factory registered again (it asks for a new adapter and
 * device). Tensors made on the old backend are dead; their owners reload.
 */
export async function restartTf(): Promise<TfGpu> {
  const factory = tf.findBackendFactory('webgpu');
  if (!factory) throw new Error('the TF.js WebGPU backend is not registered');
  removeDeadBackend('webgpu');
  tf.registerBackend('webgpu', factory, WEBGPU_BACKEND_PRIORITY);
  ready = null;
  return startTf();
}

/** Reads the frames back and disposes them (all of them, also when a read fails). */
async function readAll(outs: tf.Tensor3D[]): Promise<Float32Array[]> {
  try {
    const res: Float32Array[] = [];
    for (const o of outs) res.push((await o.data()) as Float32Array);
    return res;
  } finally {
    tf.dispose(outs);
  }
}

/** Where the restorer watches for failed GPU allocations (src/gpu/memory-scope.ts). */
export interface MemoryWatch {
  device: GPUDevice;
  /** The error a push or flush throws instead of returning frames computed without the memory they needed. */
  onOutOfMemory(e: GpuOutOfMemoryError): Error;
}

/** Adapts a tensor engine to the pipeline's Restorer (uploads inputs, reads restored frames back). */
export function tensorRestorer(engine: TensorEngine, size: Size, disposeInputs: boolean, memory?: MemoryWatch): Restorer {
  const watched = (work: () => Promise<Float32Array[]>): Promise<Float32Array[]> =>
    memory
      ? withOutOfMemoryScope(memory.device, work).catch((e: unknown) => {
          throw e instanceof GpuOutOfMemoryError ? memory.onOutOfMemory(e) : e;
        })
      : work();
  return {
    push(rgb) {
      return watched(async () => {
        const input = tf.tensor3d(rgb, [size.height, size.width, 3], 'float32');
        let outs: tf.Tensor3D[];
        try {
          outs = await engine.push(input);
        } finally {
          if (disposeInputs) input.dispose();
        }
        return readAll(outs);
      });
    },
    flush() {
      return watched(async () => readAll(await engine.flush()));
    },
    dispose() {
      engine.dispose();
    },
  };
}
