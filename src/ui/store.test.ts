import { describe, expect, it } from 'vitest';
import { createAppStore, factsOf, looksLikeVideo } from './store';
import type { WebGPUProbe } from '../gpu/device';

const video = { name: 'clip.mp4', size: 1_234_567, type: 'video/mp4', lastModified: 1_700_000_000_000 };

describe('app store', () => {
  it('starts with the GPU being checked and no file', () => {
    const s = createAppStore().getState();
    expect(s.gpu).toEqual({ kind: 'checking' });
    expect(s.file).toBeNull();
    expect(s.fileNotice).toBeNull();
    expect(s.dragging).toBe(false);
  });

  it('stores the facts of a picked video and clears the drag state', () => {
    const store = createAppStore();
    store.getState().setDragging(true);
    const facts = store.getState().pickFiles([video]);
    const s = store.getState();
    expect(facts).toEqual({
      name: 'clip.mp4',
      size: 1_234_567,
      type: 'video/mp4',
      lastModified: 1_700_000_000_000,
      looksLikeVideo: true,
    });
    expect(s.file).toEqual(facts);
    expect(s.fileNotice).toBeNull();
    expect(s.dragging).toBe(false);
  });

  it('takes the first of several files and says so', () => {
    const store = createAppStore();
    store.getState().pickFiles([video, { name: 'b.webm', size: 5, type: 'video/webm' }]);
    expect(store.getState().file?.name).toBe('clip.mp4');
    expect(store.getState().fileNotice).toMatch(/2 files were dropped; using the first one/);
  });

  it('keeps a non-video file but warns about it', () => {
    const store = createAppStore();
    store.getState().pickFiles([{ name: 'notes.txt', size: 10, type: 'text/plain' }]);
    expect(store.getState().file?.looksLikeVideo).toBe(false);
    expect(store.getState().fileNotice).toMatch(/does not look like a video/);
  });

  it('warns about an empty file', () => {
    const store = createAppStore();
    store.getState().pickFiles([{ name: 'empty.mp4', size: 0, type: 'video/mp4' }]);
    expect(store.getState().fileNotice).toMatch(/empty/);
  });

  it('refuses an empty drop without losing the current file', () => {
    const store = createAppStore();
    store.getState().pickFiles([video]);
    expect(store.getState().pickFiles([])).toBeNull();
    expect(store.getState().pickFiles(null)).toBeNull();
    expect(store.getState().file?.name).toBe('clip.mp4');
    expect(store.getState().fileNotice).toMatch(/Nothing was dropped/);
  });

  it('replaces the file on a second pick and clears it on demand', () => {
    const store = createAppStore();
    store.getState().pickFiles([{ name: 'x.txt', size: 1, type: 'text/plain' }]);
    store.getState().pickFiles([video]);
    expect(store.getState().file?.name).toBe('clip.mp4');
    expect(store.getState().fileNotice).toBeNull();
    store.getState().clearFile();
    expect(store.getState().file).toBeNull();
    expect(store.getState().fileNotice).toBeNull();
  });

  it('records the WebGPU probe result', () => {
    const store = createAppStore();
    const ready: WebGPUProbe = {
      kind: 'ready',
      adapter: {
        vendor: 'google',
        architecture: 'swiftshader',
        device: '',
        description: 'SwiftShader Device',
        isFallbackAdapter: true,
        features: [],
        maxStorageBufferBindingSize: 1 << 30,
        maxComputeWorkgroupStorageSize: 32768,
        maxComputeInvocationsPerWorkgroup: 256,
      },
    };
    store.getState().setGpu(ready);
    expect(store.getState().gpu).toEqual(ready);
    store.getState().setGpu({ kind: 'no-api', detail: 'missing' });
    expect(store.getState().gpu.kind).toBe('no-api');
  });

  it('restores in one pass until the Quality setting asks for more, and keeps it for the next file', () => {
    const store = createAppStore();
    expect(store.getState().passes).toBe(1);
    store.getState().setPasses(4);
    store.getState().setInfo({
      width: 96,
      height: 64,
      rotation: 0,
      frameCount: 9,
      durationSeconds: 0.6,
      fps: 15,
      videoCodec: 'H.264',
      audio: null,
      maxPixels: 1 << 20,
      downscaleTo: null,
      engineNote: null,
    });
    expect(store.getState().phase).toBe('ready');
    expect(store.getState().passes).toBe(4);
  });

  it('keeps separate stores independent', () => {
    const a = createAppStore();
    const b = createAppStore();
    a.getState().pickFiles([video]);
    expect(b.getState().file).toBeNull();
  });

  it('notifies subscribers on change', () => {
    const store = createAppStore();
    const seen: string[] = [];
    const unsub = store.subscribe((s) => seen.push(s.file?.name ?? '-'));
    store.getState().pickFiles([video]);
    store.getState().clearFile();
    unsub();
    expect(seen).toEqual(['clip.mp4', '-']);
  });
});

describe('video detection', () => {
  it('trusts the MIME type when there is one', () => {
    expect(looksLikeVideo({ name: 'a.bin', size: 1, type: 'video/quicktime' })).toBe(true);
    expect(looksLikeVideo({ name: 'a.mp4', size: 1, type: 'audio/mp4' })).toBe(false);
  });

  it('falls back to the extension when the browser gives no type', () => {
    expect(looksLikeVideo({ name: 'A.MKV', size: 1, type: '' })).toBe(true);
    expect(looksLikeVideo({ name: 'clip.webm', size: 1, type: '' })).toBe(true);
    expect(looksLikeVideo({ name: 'README', size: 1, type: '' })).toBe(false);
    expect(looksLikeVideo({ name: 'photo.jpg', size: 1, type: '' })).toBe(false);
  });

  it('records a missing lastModified as null', () => {
    expect(factsOf({ name: 'a.mp4', size: 3, type: 'video/mp4' }).lastModified).toBeNull();
  });
});
