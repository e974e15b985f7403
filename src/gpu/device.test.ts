import { describe, expect, it } from 'vitest';
import { adapterLabel, probeWebGPU } from './device';

describe('probeWebGPU', () => {
  it('finds the Dawn adapter in Node (SwiftShader here)', async () => {
    const r = await probeWebGPU();
    expect(r.kind).toBe('ready');
    if (r.kind !== 'ready') return;
    expect(adapterLabel(r.adapter).length).toBeGreaterThan(0);
    expect(r.adapter.maxStorageBufferBindingSize).toBeGreaterThan(0);
    if (/swiftshader/i.test(adapterLabel(r.adapter))) expect(r.adapter.isFallbackAdapter).toBe(true);
  });

  it('reports a missing navigator.gpu', async () => {
    const r = await probeWebGPU({ gpu: null });
    expect(r.kind).toBe('no-api');
  });

  it('reports no adapter', async () => {
    const gpu = { requestAdapter: async () => null } as unknown as GPU;
    expect((await probeWebGPU({ gpu })).kind).toBe('no-adapter');
  });

  it('turns a throwing or hanging requestAdapter into an error result', async () => {
    const throwing = { requestAdapter: async () => Promise.reject(new Error('boom')) } as unknown as GPU;
    expect(await probeWebGPU({ gpu: throwing })).toEqual({ kind: 'error', detail: 'boom' });
    const hanging = { requestAdapter: () => new Promise(() => {}) } as unknown as GPU;
    const r = await probeWebGPU({ gpu: hanging, timeoutMs: 20 });
    expect(r.kind).toBe('error');
  });
});
