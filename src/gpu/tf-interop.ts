// The ONLY module that touches TF.js internals.
//
// PINNED TO @tensorflow/tfjs-core + @tensorflow/tfjs-backend-webgpu 4.22.0.
// It relies on these non-public members of WebGPUBackend (dist/backend_webgpu.js):
//   device, tensorMap.get(dataId).resource, uploadToGPU(dataId),
//   makeTensorInfo(shape, dtype), commandEncoder, endComputePassEncoder(),
//   submitQueue(), bufferManager.acquireBuffer/releaseBuffer;
// and of tfjs-core's Engine: registry, registryFactory, backendName,
// backendInstance, pendingBackendInit (removeDeadBackend only).
// Re-check all of them (and the tests in src/gpu/kernels) before upgrading TF.js.
//
// Interop model ("option a" in docs/kernels.md): our kernels build their own
// GPUComputePipelines on TF.js's GPUDevice, bind the backend's GPUBuffers of
// the input tensors in place, write into an output buffer the backend
// allocated for a new tensor (so dispose() frees it and tf.memory() balances),
// and submit their own command buffer right after flushing whatever TF.js
// had batched. Queue order then gives: TF.js work recorded before our call ->
// our kernel -> TF.js work recorded after it.
import * as tf from '@tensorflow/tfjs-core';

interface TensorDataLike {
  resource?: unknown;
  values?: unknown;
  dtype: string;
}

interface BufferManagerLike {
  acquireBuffer(size: number, usage: number, mappedAtCreation?: boolean, reuse?: boolean): GPUBuffer;
  releaseBuffer(buffer: GPUBuffer, reuse?: boolean): void;
}

/** The subset of TF.js 4.22.0's WebGPUBackend that we use. */
interface WebGPUBackendLike {
  device: GPUDevice;
  tensorMap: { get(dataId: object): TensorDataLike; has(dataId: object): boolean };
  uploadToGPU(dataId: object): void;
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  commandEncoder: GPUCommandEncoder | null;
  endComputePassEncoder(): void;
  submitQueue(): void;
  bufferManager: BufferManagerLike;
}

export const TFJS_INTEROP_PINNED_VERSION = '4.22.0';

let versionChecked = false;
function checkVersion(): void {
  if (versionChecked) return;
  versionChecked = true;
  if (tf.version_core !== TFJS_INTEROP_PINNED_VERSION) {
    console.warn(`tf-interop.ts is pinned to TF.js ${TFJS_INTEROP_PINNED_VERSION}, running ${tf.version_core}: re-check it`);
  }
}

/** The active TF.js backend, which must be 'webgpu'. */
export function webgpuBackend(): WebGPUBackendLike {
  if (tf.getBackend() !== 'webgpu') {
    throw new Error(`GPU kernels need the TF.js 'webgpu' backend (active: ${tf.getBackend()})`);
  }
  checkVersion();
  const b = tf.backend() as unknown as WebGPUBackendLike;
  if (!b.device || !b.tensorMap || typeof b.uploadToGPU !== 'function' || !b.bufferManager) {
    throw new Error(`TF.js webgpu backend internals changed: tf-interop.ts is pinned to ${TFJS_INTEROP_PINNED_VERSION}`);
  }
  return b;
}

/** TF.js's GPUDevice. */
export function gpuDevice(): GPUDevice {
  return webgpuBackend().device;
}

/** Submit whatever TF.js has recorded but not yet submitted. */
export function flushTF(): void {
  const b = webgpuBackend();
  if (b.commandEncoder) {
    b.endComputePassEncoder();
    b.submitQueue();
  }
}

/** The GPUBuffer holding a float32 tensor, read in place (no copy). A tensor
 * that TF.js kept on the CPU (WEBGPU_CPU_FORWARD) is uploaded first, as TF.js
 * itself does for its own kernels; the upload is recorded in TF.js's command
 * encoder, so call flushTF() before submitting work that reads the buffer. */
export function tensorBuffer(t: tf.Tensor): GPUBuffer {
  if (t.isDisposed) throw new Error('tensor is disposed');
  if (t.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${t.dtype}`);
  const b = webgpuBackend();
  b.uploadToGPU(t.dataId);
  const res = b.tensorMap.get(t.dataId).resource;
  if (!(res instanceof GPUBuffer)) throw new Error('tensor data is not in a GPUBuffer');
  return res;
}

/** A new float32 output: its TF.js bookkeeping and the backend-owned buffer. */
export interface OutputAlloc {
  info: tf.TensorInfo;
  buffer: GPUBuffer;
}

export function allocOutput(shape: number[]): OutputAlloc {
  const b = webgpuBackend();
  const info = b.makeTensorInfo(shape, 'float32');
  b.uploadToGPU(info.dataId); // no values: just acquires a pooled STORAGE buffer
  const buffer = b.tensorMap.get(info.dataId).resource;
  if (!(buffer instanceof GPUBuffer)) throw new Error('output allocation failed');
  return { info, buffer };
}

/** Hand an allocated output to the engine as a tracked tf.Tensor (tidy-aware). */
export function outputTensor<R extends tf.Rank>(out: OutputAlloc): tf.Tensor<R> {
  return tf.engine().makeTensorFromTensorInfo(out.info, tf.backend()) as tf.Tensor<R>;
}

/** A uniform buffer from the backend's pool (counted in numBytesInGPU while held). */
export function acquireUniformBuffer(size: number): GPUBuffer {
  return webgpuBackend().bufferManager.acquireBuffer(size, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
}

/** Return a uniform buffer to the pool. Safe right after queue.submit: any later
 * writeBuffer to it is ordered after the submitted work on the queue. */
export function releaseUniformBuffer(buf: GPUBuffer): void {
  webgpuBackend().bufferManager.releaseBuffer(buf);
}

interface EngineRegistryLike {
  registry: Record<string, unknown>;
  registryFactory: Record<string, unknown>;
  backendName: string | null;
  backendInstance: unknown;
  pendingBackendInit: unknown;
}

/**
 * Removes a backend whose GPU device is gone. `tf.removeBackend` disposes the
 * backend first; when that throws half-way (its device is dead), the engine
 * is left pointing at it, so the same bookkeeping is finished here.
 */
export function removeDeadBackend(name: string): void {
  try {
    tf.removeBackend(name);
    return;
  } catch (e) {
    console.warn(`[unblur] disposing the lost ${name} backend:`, e);
  }
  const engine = tf.engine() as unknown as EngineRegistryLike;
  delete engine.registry[name];
  delete engine.registryFactory[name];
  if (engine.backendName === name) {
    engine.backendName = null;
    engine.backendInstance = null;
    engine.pendingBackendInit = null;
  }
}

/** Option (b) of docs/kernels.md, kept only for the interop measurement in
 * bench/interop.ts: run a TF.js WebGPUProgram (WGSL body written against
 * TF.js 4.22.0's generated prelude) inside TF.js's own command batching. */
export interface TFJSProgramLike {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size?: boolean;
  uniforms?: string;
  getUserCode: () => string;
}

export function runTFJSProgram(program: TFJSProgramLike, inputs: tf.Tensor[]): tf.Tensor {
  const b = webgpuBackend() as unknown as {
    runWebGPUProgram(p: TFJSProgramLike, inputs: tf.TensorInfo[], dtype: tf.DataType): tf.TensorInfo;
  };
  const info = b.runWebGPUProgram(program, inputs, 'float32');
  return tf.engine().makeTensorFromTensorInfo(info, tf.backend());
}
