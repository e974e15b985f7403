// correlation: cost volume between two NHWC maps over a (2d+1)² window.
// See shaders/correlation.wgsl for the exact definition and the work split.
import * as tf from '@tensorflow/tfjs-core';
import body from '../../../shaders/correlation.wgsl?raw';
import { CORRELATION, MAX_WORKGROUP_STORAGE_BYTES } from '../constants';
import { packParams, runKernel } from '../kernel-runner';
import { u32, type ShaderSpec } from '../shader-source';
import { checkShape } from './shape-check';

/** Workgroup-memory bytes of the correlation tiles for displacement d and channel chunk cc. */
export function correlationTileBytes(d: number, cc: number): number {
  const { TX, TY } = CORRELATION;
  return (TX * TY + (TX + 2 * d) * (TY + 2 * d)) * (cc + 1) * 4;
}

function shaderFor(d: number): ShaderSpec {
  let cc: number = CORRELATION.CC;
  while (cc > 1 && correlationTileBytes(d, cc) > MAX_WORKGROUP_STORAGE_BYTES) cc >>= 1;
  if (correlationTileBytes(d, cc) > MAX_WORKGROUP_STORAGE_BYTES) throw new Error(`correlation: d=${d} too large`);
  return {
    name: 'correlation',
    body,
    consts: {
      D: u32(d),
      TX: u32(CORRELATION.TX),
      TY: u32(CORRELATION.TY),
      CC: u32(cc),
      WG_SIZE: u32(CORRELATION.WG_SIZE),
    },
  };
}

const shaders = new Map<number, ShaderSpec>();

/** a, b: [n,h,w,c] → [n,h,w,(2d+1)²];
 * corr(j,p) = (1/c) Σ_ch a(ch,p)·b(ch,p+δ_j), δ_j = (dy,dx) ∈ [-d,d]²,
 * j = (dy+d)(2d+1) + (dx+d), zero outside the map. No activation. */
export function correlation(a: tf.Tensor4D, b: tf.Tensor4D, d: number): tf.Tensor4D {
  const [n, h, w, c] = checkShape('correlation', 'a', a, 4);
  checkShape('correlation', 'b', b, [n, h, w, c]);
  if (!Number.isInteger(d) || d < 0) throw new Error(`correlation: d must be a non-negative integer, got ${d}`);
  let shader = shaders.get(d);
  if (!shader) shaders.set(d, (shader = shaderFor(d)));
  const D = 2 * d + 1;
  const { TX, TY } = CORRELATION;
  const empty = n * h * w * c === 0;
  return runKernel<tf.Rank.R4>({
    shader,
    inputs: [a, b],
    outputShape: [n, h, w, D * D],
    dispatch: empty ? [0, 0, 0] : [Math.ceil(w / TX), Math.ceil(h / TY), n],
    params: packParams([h, w, c, { f32: 1 / Math.max(c, 1) }]),
  }) as tf.Tensor4D;
}
