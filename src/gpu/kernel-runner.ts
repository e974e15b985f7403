// Generic launcher for our WGSL kernels: a program description (shader spec +
// dispatch + uniforms) -> cached GPUComputePipeline (per device, per shader
// key) -> one compute pass on TF.js's device -> a TF.js tensor.
//
// Binding convention of every shader in shaders/:
//   @binding(0) var<uniform> P: Params;            (the kernel's parameters)
//   @binding(1..k) var<storage, read> inputs       (in the order given)
//   @binding(k+1) var<storage, read_write> output
import * as tf from '@tensorflow/tfjs-core';
import {
  acquireUniformBuffer,
  allocOutput,
  flushTF,
  gpuDevice,
  outputTensor,
  releaseUniformBuffer,
  tensorBuffer,
} from './tf-interop';
import { shaderCode, shaderKey, type ShaderSpec } from './shader-source';
import { MAX_WORKGROUPS_PER_DIM } from './constants';

export interface KernelProgram {
  shader: ShaderSpec;
  inputs: tf.Tensor[];
  outputShape: number[];
  /** workgroup counts; x beyond 65535 must be folded by the kernel itself */
  dispatch: [number, number, number];
  /** the Params struct, as 32-bit words (each either u32/i32 or f32) */
  params: ArrayBuffer;
}

const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

export function getPipeline(device: GPUDevice, spec: ShaderSpec): GPUComputePipeline {
  let cache = pipelines.get(device);
  if (!cache) {
    cache = new Map();
    pipelines.set(device, cache);
  }
  const key = shaderKey(spec);
  let p = cache.get(key);
  if (!p) {
    const module = device.createShaderModule({ code: shaderCode(spec), label: key });
    p = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: key });
    cache.set(key, p);
  }
  return p;
}

/** Number of cached pipelines on the current device (for tests). */
export function pipelineCount(): number {
  return pipelines.get(gpuDevice())?.size ?? 0;
}

/** Split a 1-D workgroup count into (x, y) with x ≤ 65535. The shader
 * recovers the flat id as wg.y * P.groupsX + wg.x. */
export function fold1D(groups: number): [number, number] {
  if (groups <= MAX_WORKGROUPS_PER_DIM) return [Math.max(groups, 1), 1];
  const y = Math.ceil(groups / MAX_WORKGROUPS_PER_DIM);
  return [Math.ceil(groups / y), y];
}

/** Pack parameters as 32-bit words; a Float32 entry is written as f32. */
export function packParams(words: Array<number | { f32: number }>): ArrayBuffer {
  const n = Math.max(4, Math.ceil(words.length / 4) * 4); // 16-byte multiple
  const buf = new ArrayBuffer(n * 4);
  const u = new Uint32Array(buf);
  const f = new Float32Array(buf);
  words.forEach((w, i) => {
    if (typeof w === 'number') {
      if (!Number.isInteger(w) || w < 0 || w > 0xffffffff) throw new Error(`bad u32 param ${w}`);
      u[i] = w;
    } else {
      f[i] = w.f32;
    }
  });
  return buf;
}

export function runKernel<R extends tf.Rank>(prog: KernelProgram): tf.Tensor<R> {
  const device = gpuDevice();
  const pipeline = getPipeline(device, prog.shader);
  const inBufs = prog.inputs.map(tensorBuffer); // may record uploads in TF.js's encoder
  const out = allocOutput(prog.outputShape);
  const [gx, gy, gz] = prog.dispatch;
  if (gx * gy * gz > 0) {
    flushTF(); // TF.js's pending work (incl. the uploads above) goes first
    const uni = acquireUniformBuffer(prog.params.byteLength);
    device.queue.writeBuffer(uni, 0, prog.params);
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uni } }];
    inBufs.forEach((b, i) => entries.push({ binding: i + 1, resource: { buffer: b } }));
    entries.push({ binding: inBufs.length + 1, resource: { buffer: out.buffer } });
    const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const enc = device.createCommandEncoder({ label: prog.shader.name });
    const pass = enc.beginComputePass({ label: prog.shader.name });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(gx, gy, gz);
    pass.end();
    device.queue.submit([enc.finish()]);
    releaseUniformBuffer(uni);
  }
  return outputTensor<R>(out);
}
