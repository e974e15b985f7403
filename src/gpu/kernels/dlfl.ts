// dlfl: dynamic local filtering layer — mask-weighted k×k box sum over the
// frames of the window. See shaders/dlfl.wgsl.
import * as tf from '@tensorflow/tfjs-core';
import body from '../../../shaders/dlfl.wgsl?raw';
import { DLFL, MAX_WORKGROUP_STORAGE_BYTES } from '../constants';
import { packParams, runKernel } from '../kernel-runner';
import { u32, type ShaderSpec } from '../shader-source';
import { checkShape } from './shape-check';

const shaders = new Map<number, ShaderSpec>();

function shaderFor(r: number): ShaderSpec {
  const bytes = (DLFL.TX + 2 * r) * (DLFL.TY + 2 * r) * DLFL.CC * 4;
  if (bytes > MAX_WORKGROUP_STORAGE_BYTES) throw new Error(`dlfl: k=${2 * r + 1} too large`);
  return {
    name: 'dlfl',
    body,
    consts: { R: u32(r), TX: u32(DLFL.TX), TY: u32(DLFL.TY), CC: u32(DLFL.CC), WG_SIZE: u32(DLFL.WG_SIZE) },
  };
}

/** aligned [N,h,w,c], masks [N,h,w,1], odd k → [1,h,w,c]:
 * Q(y,x,c) = Σ_{d<N} Σ_{n,m=-r..r} aligned(d,y+n,x+m,c)·masks(d,y+n,x+m),
 * r = (k−1)/2, zeros outside the map. */
export function dlfl(aligned: tf.Tensor4D, masks: tf.Tensor4D, k: number): tf.Tensor4D {
  const [N, h, w, c] = checkShape('dlfl', 'aligned', aligned, 4);
  checkShape('dlfl', 'masks', masks, [N, h, w, 1]);
  if (!Number.isInteger(k) || k < 1 || k % 2 === 0) throw new Error(`dlfl: k must be a positive odd integer, got ${k}`);
  const r = (k - 1) / 2;
  let shader = shaders.get(r);
  if (!shader) shaders.set(r, (shader = shaderFor(r)));
  const empty = h * w * c === 0;
  return runKernel<tf.Rank.R4>({
    shader,
    inputs: [aligned, masks],
    outputShape: [1, h, w, c],
    dispatch: empty ? [0, 0, 0] : [Math.ceil(w / DLFL.TX), Math.ceil(h / DLFL.TY), Math.ceil(c / DLFL.CC)],
    params: packParams([N, h, w, c]),
  }) as tf.Tensor4D;
}
