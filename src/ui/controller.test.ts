import { describe, expect, it } from 'vitest';
import { parseModelIndex, testHooks } from './controller';

describe('parseModelIndex', () => {
  it('reads a list of ids', () => {
    expect(parseModelIndex(['base', 'quality'])).toEqual([
      { id: 'base', label: 'Base', description: '' },
      { id: 'quality', label: 'Quality', description: '' },
    ]);
  });
  it('reads {models: [...]} with labels and descriptions, skipping bad entries', () => {
    expect(
      parseModelIndex({
        models: [{ id: 'base', label: 'Fast', description: 'real time' }, { name: 'large' }, { id: '../evil' }, 42, null],
      }),
    ).toEqual([
      { id: 'base', label: 'Fast', description: 'real time' },
      { id: 'large', label: 'Large', description: '' },
    ]);
  });
  it('gives nothing for nonsense', () => {
    expect(parseModelIndex('<html>')).toEqual([]);
    expect(parseModelIndex({})).toEqual([]);
  });
});

describe('testHooks', () => {
  it('reads positive integers only', () => {
    expect(testHooks('?maxPixels=3000&loseDeviceAfter=2&exhaustMemoryAfter=3&frameDelayMs=400')).toEqual({
      maxPixels: 3000,
      loseDeviceAfter: 2,
      exhaustMemoryAfter: 3,
      frameDelayMs: 400,
    });
    const none = { maxPixels: null, loseDeviceAfter: undefined, exhaustMemoryAfter: undefined, frameDelayMs: undefined };
    expect(testHooks('?maxPixels=-1&loseDeviceAfter=x&exhaustMemoryAfter=0')).toEqual(none);
    expect(testHooks('')).toEqual(none);
  });
});
