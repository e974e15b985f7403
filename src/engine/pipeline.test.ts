import { describe, expect, it } from 'vitest';
import { deviceLostError, downscaleSize, gpuMemoryError, maxPixelsFromLimit } from './pipeline';

describe('downscaleSize', () => {
  it('keeps sizes that fit', () => {
    expect(downscaleSize(96, 64, 6144)).toEqual({ width: 96, height: 64 });
  });
  it('scales to the largest even size under the limit, keeping the aspect ratio', () => {
    expect(downscaleSize(96, 64, 3000)).toEqual({ width: 66, height: 44 });
    const s = downscaleSize(3840, 2160, 1280 * 720);
    expect(s.width * s.height).toBeLessThanOrEqual(1280 * 720);
    expect(s.width % 2).toBe(0);
    expect(s.height % 2).toBe(0);
    expect(s.width / s.height).toBeCloseTo(16 / 9, 1);
    expect(s.width).toBeGreaterThanOrEqual(1270);
  });
  it('never goes below 2×2', () => {
    expect(downscaleSize(100, 100, 1)).toEqual({ width: 2, height: 2 });
  });
});

describe('maxPixelsFromLimit', () => {
  it('divides the binding limit by the bytes one pixel needs', () => {
    expect(maxPixelsFromLimit(1 << 30)).toBe(Math.floor((1 << 30) / 128));
    expect(maxPixelsFromLimit(1000, 10)).toBe(100);
  });
});

describe('deviceLostError', () => {
  it('offers to resume from the next frame, counting frames in plain words', () => {
    const e = deviceLostError(1);
    expect(e.code).toBe('device-lost');
    expect(e.resumeFrom).toBe(1);
    expect(e.canRestart).toBe(true);
    expect(e.message).toMatch(/after 1 frame \(.*The 1 frame already restored is kept.*from frame 2/);
    expect(deviceLostError(12).message).toMatch(/The 12 frames already restored are kept.*from frame 13/);
  });
});

describe('gpuMemoryError', () => {
  it('offers half the pixels and starting again, and fewer passes only when there are passes to drop', () => {
    const best = gpuMemoryError({ width: 1920, height: 1080 }, 4);
    expect(best.code).toBe('gpu-memory');
    expect(best.canRestart).toBe(true);
    expect(best.resumeFrom).toBeUndefined();
    expect(best.downscaleTo).toEqual({ width: 1356, height: 762 });
    expect(best.downscaleTo!.width * best.downscaleTo!.height).toBeLessThanOrEqual((1920 * 1080) / 2);
    expect(best.message).toMatch(/^Restoring 1920×1080 frames at Best quality \(4 passes\) needs more GPU memory/);
    expect(best.message).toMatch(/choose Fast quality \(1 pass instead of 4 needs less memory\), or scale the video down to 1356×762;/);
    const fast = gpuMemoryError({ width: 640, height: 360 }, 1);
    expect(fast.message).toMatch(/^Restoring 640×360 frames needs more GPU memory.* To go on, scale the video down to 452×254;/);
    expect(fast.message).not.toMatch(/quality|pass/);
  });
});
