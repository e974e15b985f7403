// dcnAlign: deformable 3×3 convolution whose samples are weighted by a
// bilinearly sampled per-frame mask. See shaders/dcn-align.wgsl.
import * as tf from '@tensorflow/tfjs-core';
import body from '../../../shaders/dcn-align.wgsl?raw';
import { DCN_ALIGN, DCN_ALIGN_NARROW } from '../constants';
import { fold1D, packParams, runKernel } from '../kernel-runner';
import { u32, type ShaderSpec } from '../shader-source';
import { checkShape } from './shape-check';

type DcnTile = { WG_X: number; WG_Y: number; TP: number; TO: number; KC: number };

function shaderFor(t: DcnTile): ShaderSpec {
  return {
    name: 'dcn-align',
    body,
    consts: { WG_X: u32(t.WG_X), WG_Y: u32(t.WG_Y), TP: u32(t.TP), TO: u32(t.TO), KC: u32(t.KC) },
  };
}
const WIDE = shaderFor(DCN_ALIGN);
const NARROW = shaderFor(DCN_ALIGN_NARROW);

/** x [n,h,w,cin], mask [n,h,w,1], offset [n,h,w,18] (channel 2k = dy, 2k+1 = dx
 * of kernel point k = ky·3+kx), weight [3,3,cin,cout], bias [cout] → [n,h,w,cout]:
 * out(p,o) = bias(o) + Σ_k Σ_ci weight(ky,kx,ci,o)·x(ci,q_k)·mask(q_k),
 * q_k = p + (ky−1, kx−1) + offset_k(p); bilinear, zeros outside. */
export function dcnAlign(
  x: tf.Tensor4D,
  mask: tf.Tensor4D,
  offset: tf.Tensor4D,
  weight: tf.Tensor4D,
  bias: tf.Tensor1D,
): tf.Tensor4D {
  const [n, h, w, cin] = checkShape('dcnAlign', 'x', x, 4);
  checkShape('dcnAlign', 'mask', mask, [n, h, w, 1]);
  checkShape('dcnAlign', 'offset', offset, [n, h, w, 18]);
  const cout = checkShape('dcnAlign', 'weight', weight, [3, 3, cin, -1])[3];
  checkShape('dcnAlign', 'bias', bias, [cout]);
  const npix = n * h * w;
  const tile = cout <= DCN_ALIGN_NARROW.TO ? DCN_ALIGN_NARROW : DCN_ALIGN;
  const [gx, gz] = fold1D(Math.ceil(npix / tile.TP));
  const gy = Math.ceil(cout / tile.TO);
  const empty = npix === 0 || cout === 0;
  return runKernel<tf.Rank.R4>({
    shader: tile === DCN_ALIGN ? WIDE : NARROW,
    inputs: [x, mask, offset, weight, bias],
    outputShape: [n, h, w, cout],
    dispatch: empty ? [0, 0, 0] : [gx, gy, gz],
    params: packParams([h, w, cin, cout, npix, gx]),
  }) as tf.Tensor4D;
}
