// The network of DESIGN.md section 2 on TF.js (WebGPU) + the four WGSL
// kernels, NHWC throughout, mirroring training/model.py op for op:
//   encode  E1 (full), E2 (1/2), F (1/4) and the sharpness mask M = σ(head(F));
//           with arch.flow_features > 0 also the flow estimator's own features G
//   flow    PWC-style coarse-to-fine flow G[t] → G[t+i] over an avg-pool pyramid
//           (G is F when the model has no flow features of its own)
//   align   offsets = flow + residual from the cost volume; Dcn Align samples
//           F and M together; the mask is also warped by the flow for DLFL
//   fuse    DLFL (k×k, mask-weighted, over the 5 frames), 1×1 conv, LReLU
//   frames  (arch.frame_path) the neighbours warped onto the centre by their
//           flow upsampled ×4, and the centre: conv3×3 → c1, LReLU, added to E1
//   decode  2 × (conv, depth-to-space, LReLU, + skip, 2 ResBlocks), conv → 3,
//           added to the blurred centre frame
// Frames must be padded to multiples of 16 (the engine does that).
import * as tf from '@tensorflow/tfjs-core';
import { WINDOW_FRAMES } from '../gpu/constants';
import { correlation, dcnAlign, dlfl, flowWarp } from '../gpu/kernels';
import type { LoadedModel } from './load-model';
import type { Arch } from './manifest';

export const WINDOW = WINDOW_FRAMES;
export const CENTRE = 2;
export const PAD_MULTIPLE = 16;
const SLOPE = 0.1;

/** One frame's encoding, kept by the engine while the frame is in the window. */
export interface Encoded {
  /** the padded input frame [1, Hp, Wp, 3] */
  x: tf.Tensor4D;
  e1: tf.Tensor4D;
  e2: tf.Tensor4D;
  f: tf.Tensor4D;
  m: tf.Tensor4D;
  /** the flow estimator's own features (only when arch.flow_features > 0) */
  g?: tf.Tensor4D;
}

/** Frees every tensor of one frame's encoding. */
export function disposeEncoded(e: Encoded): void {
  tf.dispose([e.x, e.e1, e.e2, e.f, e.m, ...(e.g ? [e.g] : [])]);
}

/** Intermediate results of one restore (the golden-fixture stages). */
export interface RestoreStages {
  flows: tf.Tensor4D[];
  offsets: tf.Tensor4D[];
  aligned: tf.Tensor4D[];
  masksWarped: tf.Tensor4D[];
  q: tf.Tensor4D;
  fused: tf.Tensor4D;
  /** only with arch.frame_path: the warped window [1,Hp,Wp,15] and the path's output [1,Hp,Wp,c1] */
  framesWarped?: tf.Tensor4D;
  framePath?: tf.Tensor4D;
}

const lrelu = (x: tf.Tensor4D) => tf.leakyRelu(x, SLOPE);

export class Network {
  readonly arch: Arch;
  private readonly w: tf.NamedTensorMap;

  constructor(model: LoadedModel) {
    this.arch = model.manifest.arch;
    this.w = model.weights;
  }

  private conv(name: string, x: tf.Tensor4D, act: 'linear' | 'leakyrelu' = 'linear', stride: 1 | 2 = 1): tf.Tensor4D {
    const filter = this.w[`${name}.weight`] as tf.Tensor4D;
    return tf.fused.conv2d({
      x,
      filter,
      bias: this.w[`${name}.bias`],
      strides: stride,
      pad: filter.shape[0] === 1 ? 0 : 1, // PyTorch's padding=1 on both sides, also for stride 2
      activation: act,
      leakyreluAlpha: SLOPE,
    });
  }

  private res(name: string, x: tf.Tensor4D): tf.Tensor4D {
    return tf.add(x, this.conv(`${name}.conv2`, this.conv(`${name}.conv1`, x, 'leakyrelu')));
  }

  private stage(name: string, x: tf.Tensor4D, stride: 1 | 2): tf.Tensor4D {
    return this.res(`${name}.res2`, this.res(`${name}.res1`, this.conv(`${name}.conv`, x, 'leakyrelu', stride)));
  }

  private head(name: string, x: tf.Tensor4D): tf.Tensor4D {
    return this.conv(`${name}.conv3`, this.conv(`${name}.conv2`, this.conv(`${name}.conv1`, x, 'leakyrelu'), 'leakyrelu'));
  }

  /** Whether the flow estimator has features of its own (G). */
  get ownFlowFeatures(): boolean {
    const a = this.arch;
    return a.flow && a.align && a.flow_features > 0;
  }

  /** x [n, Hp, Wp, 3] (padded) → E1, E2, F, M (and G) for each of the n frames. */
  encode(x: tf.Tensor4D): Omit<Encoded, 'x'> {
    return tf.tidy(() => {
      const e1 = this.stage('encoder.stage1', x, 1);
      const e2 = this.stage('encoder.stage2', e1, 2);
      const f = this.stage('encoder.stage3', e2, 2);
      const m = tf.sigmoid(this.conv('align.mask_head.2', this.conv('align.mask_head.0', f, 'leakyrelu')));
      if (!this.ownFlowFeatures) return { e1, e2, f, m };
      const h = this.conv('flow_features.conv2', this.conv('flow_features.conv1', x, 'leakyrelu', 2), 'leakyrelu');
      const g = this.conv('flow_features.conv4', this.conv('flow_features.conv3', h, 'leakyrelu', 2));
      return { e1, e2, f, m, g };
    });
  }

  private zeroFlow(f: tf.Tensor4D): tf.Tensor4D {
    const [n, h, w] = f.shape;
    return tf.zeros([n, h, w, 2]);
  }

  /** Flow (dx, dy) at 1/4 resolution from G[ref] to G[nbr]: out(p) ≈ motion so that nbr(p + u) = ref(p). */
  flow(gRef: tf.Tensor4D, gNbr: tf.Tensor4D): tf.Tensor4D {
    const a = this.arch;
    if (!(a.flow && a.align)) return this.zeroFlow(gRef);
    return tf.tidy(() => {
      const refs = [gRef];
      const nbrs = [gNbr];
      for (let l = 1; l < a.flow_levels; l++) {
        refs.push(tf.avgPool(refs[l - 1], 2, 2, 'valid'));
        nbrs.push(tf.avgPool(nbrs[l - 1], 2, 2, 'valid'));
      }
      let u = this.zeroFlow(refs[a.flow_levels - 1]);
      for (let l = a.flow_levels - 1; l >= 0; l--) {
        const [r, b] = [refs[l], nbrs[l]];
        let bw = b;
        if (l < a.flow_levels - 1) {
          const [, h, w] = r.shape;
          u = tf.mul(tf.image.resizeBilinear(u, [h, w], false, true), 2);
          bw = flowWarp(b, u);
        }
        const cv = lrelu(correlation(r, bw, a.d));
        u = tf.add(u, this.head(`flow.heads.${l}`, tf.concat([cv, u], 3)));
      }
      return u;
    });
  }

  /** Dcn Align offsets [n,h,w,18] (2k = dy, 2k+1 = dx): the flow repeated for the
   * 9 kernel points plus the residual learned from the cost volume. */
  offsets(fRef: tf.Tensor4D, fNbr: tf.Tensor4D, u: tf.Tensor4D, isCentre: boolean): tf.Tensor4D {
    const a = this.arch;
    const [n, h, w] = fRef.shape;
    if (!a.align) return tf.zeros([n, h, w, 18]);
    return tf.tidy(() => {
      const [dx, dy] = tf.split(u, 2, 3);
      const base = tf.tile(tf.concat([dy, dx], 3), [1, 1, 1, 9]) as tf.Tensor4D;
      if (!a.residual_offsets) return base;
      const warped = isCentre ? fNbr : flowWarp(fNbr, u);
      const cv = lrelu(correlation(fRef, warped, a.d));
      return tf.add(base, this.head('align.offset_head', cv));
    });
  }

  /** Everything after encoding: the restored centre frame [1, Hp, Wp, 3] (not clamped). */
  restore(feats: readonly Encoded[], keep?: RestoreStages): tf.Tensor4D {
    if (feats.length !== WINDOW) throw new Error(`restore needs ${WINDOW} frames, got ${feats.length}`);
    const ref = feats[CENTRE];
    const flows = this.flowStage(feats);
    const { aligned, masks, offsets } = this.alignStage(feats, flows);
    const { q, fused } = this.fuseStage(aligned, masks);
    const frames = this.arch.frame_path ? this.frameStage(feats, flows) : undefined;
    const out = this.decode(fused, ref, frames?.framePath);
    if (keep) {
      Object.assign(keep, { flows, offsets, aligned, masksWarped: masks, q, fused, ...frames });
    } else {
      tf.dispose([...flows, ...offsets, ...aligned, ...masks, q, fused, ...(frames ? [frames.framesWarped, frames.framePath] : [])]);
    }
    return out;
  }

  /** The 5 flows centre → frame i (zero for the centre itself). */
  flowStage(feats: readonly Encoded[]): tf.Tensor4D[] {
    const g = (e: Encoded) => e.g ?? e.f;
    const ref = g(feats[CENTRE]);
    return feats.map((e, i) => (i === CENTRE ? this.zeroFlow(ref) : this.flow(ref, g(e))));
  }

  /** Offsets, Dcn Align, and the masks warped by the flow (DLFL's weights). */
  alignStage(feats: readonly Encoded[], flows: readonly tf.Tensor4D[]): { aligned: tf.Tensor4D[]; masks: tf.Tensor4D[]; offsets: tf.Tensor4D[] } {
    const ref = feats[CENTRE].f;
    const offsets = feats.map((e, i) => this.offsets(ref, e.f, flows[i], i === CENTRE));
    const aligned = feats.map((e, i) => dcnAlign(e.f, e.m, offsets[i], this.w['align.weight'] as tf.Tensor4D, this.w['align.bias'] as tf.Tensor1D));
    const masks = feats.map((e, i) => (i === CENTRE || !(this.arch.flow && this.arch.align) ? tf.clone(e.m) : flowWarp(e.m, flows[i])));
    return { aligned, masks, offsets };
  }

  /** DLFL over the window, then the 1×1 fusion conv with LReLU. */
  fuseStage(aligned: readonly tf.Tensor4D[], masks: readonly tf.Tensor4D[]): { q: tf.Tensor4D; fused: tf.Tensor4D } {
    const q = tf.tidy(() => dlfl(tf.concat([...aligned], 0), tf.concat([...masks], 0), this.arch.k));
    const fused = this.conv('fuse', q, 'leakyrelu');
    return { q, fused };
  }

  /** The frame path: the window at full resolution, each neighbour warped onto
   * the centre by its flow upsampled ×4, then conv3×3 and LReLU. */
  frameStage(feats: readonly Encoded[], flows: readonly tf.Tensor4D[]): { framesWarped: tf.Tensor4D; framePath: tf.Tensor4D } {
    const framesWarped = tf.tidy(() => {
      const [, hp, wp] = feats[CENTRE].x.shape;
      const up = (u: tf.Tensor4D) => tf.mul(tf.image.resizeBilinear(u, [hp, wp], false, true), 4) as tf.Tensor4D;
      return tf.concat(feats.map((e, i) => (i === CENTRE ? e.x : flowWarp(e.x, up(flows[i])))), 3);
    });
    return { framesWarped, framePath: this.conv('frame_path', framesWarped, 'leakyrelu') };
  }

  /** Decoder: the residual added to the blurred centre frame (framePath, when
   * the model has one, joins the E1 skip). */
  decode(fused: tf.Tensor4D, ref: Encoded, framePath?: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let x: tf.Tensor4D = tf.add(tf.depthToSpace(this.conv('decoder.up1', fused, 'leakyrelu'), 2, 'NHWC'), ref.e2);
      x = this.res('decoder.res1b', this.res('decoder.res1a', x));
      const e1 = framePath ? tf.add(ref.e1, framePath) : ref.e1;
      x = tf.add(tf.depthToSpace(this.conv('decoder.up2', x, 'leakyrelu'), 2, 'NHWC'), e1);
      x = this.res('decoder.res2b', this.res('decoder.res2a', x));
      return tf.add(ref.x, this.conv('decoder.out', x));
    });
  }
}
