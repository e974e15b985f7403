import { describe, expect, it } from 'vitest';
import { formatByteCount, formatBytes, formatClock, formatEta, formatFps, outputName } from './format';

describe('formatBytes', () => {
  it('formats small and large sizes', () => {
    expect(formatBytes(0)).toBe('0 bytes');
    expect(formatBytes(1)).toBe('1 byte');
    expect(formatBytes(999)).toBe('999 bytes');
    expect(formatBytes(1500)).toBe('1.50 KB');
    expect(formatBytes(1_234_567)).toBe('1.23 MB');
    expect(formatBytes(45_600_000)).toBe('45.6 MB');
    expect(formatBytes(987_000_000)).toBe('987 MB');
    expect(formatBytes(2.5e12)).toBe('2.50 TB');
  });

  it('handles nonsense input', () => {
    expect(formatBytes(-1)).toBe('unknown size');
    expect(formatBytes(Number.NaN)).toBe('unknown size');
  });

  it('groups byte counts', () => {
    expect(formatByteCount(1_234_567)).toBe('1,234,567');
  });
});

describe('outputName', () => {
  it('replaces the extension', () => {
    expect(outputName('clip.mp4')).toBe('clip-deblurred.mp4');
    expect(outputName('Holiday 2024.final.MOV')).toBe('Holiday 2024.final-deblurred.mp4');
    expect(outputName('README')).toBe('README-deblurred.mp4');
    expect(outputName('.hidden')).toBe('.hidden-deblurred.mp4');
    expect(outputName('')).toBe('video-deblurred.mp4');
  });
});

describe('time formatting', () => {
  it('formats clocks', () => {
    expect(formatClock(7)).toBe('0:07');
    expect(formatClock(65)).toBe('1:05');
    expect(formatClock(3723)).toBe('1:02:03');
    expect(formatClock(Number.NaN)).toBe('–');
  });
  it('formats time left', () => {
    expect(formatEta(null)).toMatch(/estimating/);
    expect(formatEta(0.2)).toBe('almost done');
    expect(formatEta(4.2)).toBe('about 5 s left');
    expect(formatEta(150)).toBe('about 3 min left');
    expect(formatEta(4800)).toBe('about 1 h 20 min left');
  });
  it('formats fps', () => {
    expect(formatFps(0)).toBe('–');
    expect(formatFps(0.4234)).toBe('0.42');
    expect(formatFps(3.14)).toBe('3.1');
    expect(formatFps(31.4)).toBe('31');
  });
});
