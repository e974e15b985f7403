import { describe, expect, it } from 'vitest';
import { i420Size, rgbaToRgbFloat, rgbFloatToRgba, rgbToI420 } from './frame-convert';

describe('RGBA ⇄ RGB floats', () => {
  it('drops alpha, scales to [0, 1] and back exactly', () => {
    const rgba = new Uint8ClampedArray([0, 128, 255, 7, 10, 20, 30, 255]);
    const rgb = rgbaToRgbFloat(rgba);
    expect(rgb.length).toBe(6);
    expect(rgb[1]).toBeCloseTo(128 / 255, 6);
    expect(Array.from(rgbFloatToRgba(rgb))).toEqual([0, 128, 255, 255, 10, 20, 30, 255]);
  });

  it('clamps out-of-range values and maps NaN to 0', () => {
    expect(Array.from(rgbFloatToRgba(new Float32Array([-0.5, 1.7, NaN])))).toEqual([0, 255, 0, 255]);
  });

  it('fills a given buffer and refuses one too small', () => {
    const out = new Float32Array(3);
    expect(rgbaToRgbFloat(new Uint8Array([255, 0, 0, 255]), out)).toBe(out);
    expect(() => rgbaToRgbFloat(new Uint8Array(8), out)).toThrow(RangeError);
  });
});

describe('RGB floats → I420 BT.709 limited range', () => {
  it('maps black, white and grey to the limited-range levels', () => {
    const px = (v: number) => new Float32Array([v, v, v, v, v, v, v, v, v, v, v, v]); // 2×2
    expect(Array.from(rgbToI420(px(0), 2, 2))).toEqual([16, 16, 16, 16, 128, 128]);
    expect(Array.from(rgbToI420(px(1), 2, 2))).toEqual([235, 235, 235, 235, 128, 128]);
    expect(Array.from(rgbToI420(px(0.5), 2, 2)).slice(0, 4)).toEqual([126, 126, 126, 126]);
  });

  it('uses the BT.709 matrix for colours', () => {
    const red = new Float32Array([1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0]);
    const [y, , , , u, v] = Array.from(rgbToI420(red, 2, 2));
    // BT.709 limited: red → Y 63, Cb 102, Cr 240.
    expect(y).toBe(63);
    expect(u).toBe(102);
    expect(v).toBe(240);
  });

  it('handles odd sizes (chroma rounded up) and averages 2×2 blocks', () => {
    expect(i420Size(3, 3)).toBe(9 + 2 * 4);
    const rgb = new Float32Array(3 * 3 * 3).fill(1);
    const out = rgbToI420(rgb, 3, 3);
    expect(out.length).toBe(17);
    expect(out[0]).toBe(235);
    expect(out[9]).toBe(128);
  });
});
