import { describe, expect, it } from 'vitest';
import { formatByteCount, formatBytes } from './format';

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
