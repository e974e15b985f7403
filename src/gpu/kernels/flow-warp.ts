// flowWarp: backward bilinear warp of an NHWC map by a per-pixel flow.
// See shaders/flow-warp.wgsl for the exact definition and the work split.
import * as tf from '@tensorflow/tfjs-core';
import body from '../../../shaders/flow-warp.wgsl?raw';
import { FLOW_WARP } from '../constants';
import { fold1D, packParams, runKernel } from '../kernel-runner';
import { u32, type ShaderSpec } from '../shader-source';
import { checkShape } from './shape-check';

const SHADER: ShaderSpec = { name: 'flow-warp', body, consts: { WG_SIZE: u32(FLOW_WARP.WG_SIZE) } };

/** x: [n,h,w,c], flow: [n,h,w,2] (dx, dy in pixels) → [n,h,w,c];
 * out(p) = x(p + flow(p)), bilinear, zeros outside the map. */
export function flowWarp(x: tf.Tensor4D, flow: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = checkShape('flowWarp', 'x', x, 4);
  checkShape('flowWarp', 'flow', flow, [n, h, w, 2]);
  const total = n * h * w * c;
  const [gx, gy] = fold1D(Math.ceil(total / FLOW_WARP.WG_SIZE));
  return runKernel<tf.Rank.R4>({
    shader: SHADER,
    inputs: [x, flow],
    outputShape: [n, h, w, c],
    dispatch: total > 0 ? [gx, gy, 1] : [0, 0, 0],
    params: packParams([h, w, c, total, gx]),
  }) as tf.Tensor4D;
}
