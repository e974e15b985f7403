import type * as tf from '@tensorflow/tfjs-core';

/** Checks rank (number) or the exact shape (array; -1 = any) and returns the shape. */
export function checkShape(fn: string, name: string, t: tf.Tensor, expect: number | number[]): number[] {
  const s = t.shape;
  const rank = typeof expect === 'number' ? expect : expect.length;
  const ok = s.length === rank && (typeof expect === 'number' || expect.every((e, i) => e < 0 || e === s[i]));
  if (!ok) {
    const want = typeof expect === 'number' ? `rank ${expect}` : `[${expect.map((e) => (e < 0 ? '?' : e)).join(',')}]`;
    throw new Error(`${fn}: ${name} has shape [${s.join(',')}], expected ${want}`);
  }
  if (t.dtype !== 'float32') throw new Error(`${fn}: ${name} must be float32, got ${t.dtype}`);
  return s;
}
