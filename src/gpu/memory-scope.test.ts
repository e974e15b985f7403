// withOutOfMemoryScope on a real Dawn device. The failed allocation is real:
// SwiftShader refuses one buffer of maxBufferSize (1 GiB) bytes at once,
// without first taking the memory; an adapter that grants it skips those cases.
import { beforeAll, describe, expect, it } from 'vitest';
import { GpuOutOfMemoryError, withOutOfMemoryScope } from './memory-scope';

let device: GPUDevice;
let refusedSize = 0;

beforeAll(async () => {
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter');
  device = await adapter.requestDevice({ requiredLimits: { maxBufferSize: adapter.limits.maxBufferSize } });
  device.pushErrorScope('out-of-memory');
  device.createBuffer({ size: device.limits.maxBufferSize, usage: GPUBufferUsage.STORAGE }).destroy();
  if (await device.popErrorScope()) refusedSize = device.limits.maxBufferSize;
});

const tooBig = () => device.createBuffer({ size: refusedSize, usage: GPUBufferUsage.STORAGE });

describe('withOutOfMemoryScope', () => {
  it('returns what the work returns when every allocation succeeds', async () => {
    let discarded = 0;
    const buf = await withOutOfMemoryScope(
      device,
      async () => device.createBuffer({ size: 1024, usage: GPUBufferUsage.STORAGE }),
      () => (discarded += 1),
    );
    expect(buf.size).toBe(1024);
    expect(discarded).toBe(0);
    buf.destroy();
  });

  it('passes an error of the work through unchanged', async () => {
    const boom = new Error('boom');
    await expect(withOutOfMemoryScope(device, () => Promise.reject(boom))).rejects.toBe(boom);
  });

  it('throws GpuOutOfMemoryError for a failed allocation and discards the result', async (ctx) => {
    if (!refusedSize) ctx.skip();
    const discarded: GPUBuffer[] = [];
    const run = withOutOfMemoryScope(device, async () => tooBig(), (b) => discarded.push(b));
    await expect(run).rejects.toBeInstanceOf(GpuOutOfMemoryError);
    await expect(run).rejects.toThrow(/^the GPU ran out of memory: /);
    expect(discarded).toHaveLength(1);
  });

  it('reports the missing memory, not the failure it caused, and keeps that as the cause', async (ctx) => {
    if (!refusedSize) ctx.skip();
    const caused = new Error('read-back failed');
    const err = await withOutOfMemoryScope(device, async () => {
      tooBig();
      throw caused;
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GpuOutOfMemoryError);
    expect((err as Error).cause).toBe(caused);
  });

  it('pops its own scope: an outer scope sees nothing of the inner failure, and later ones are clean', async (ctx) => {
    if (!refusedSize) ctx.skip();
    device.pushErrorScope('out-of-memory');
    await expect(withOutOfMemoryScope(device, async () => tooBig())).rejects.toBeInstanceOf(GpuOutOfMemoryError);
    expect(await device.popErrorScope()).toBeNull();
    await expect(withOutOfMemoryScope(device, async () => 1)).resolves.toBe(1);
  });
});
