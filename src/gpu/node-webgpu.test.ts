import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';

describe('WebGPU in Node', () => {
  it('gives TF.js a working webgpu backend', async () => {
    expect(await tf.setBackend('webgpu')).toBe(true);
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const w = tf.tensor4d([2], [1, 1, 1, 1]);
    const y = tf.conv2d(x, w, 1, 'same');
    expect(Array.from(await y.data())).toEqual([2, 4, 6, 8]);
    tf.dispose([x, w, y]);
  });
});
