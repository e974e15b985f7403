// The exported model's description (public/models/<id>/model.json, written by
// training/export.py): TF.js's weights-manifest format plus the architecture.
// This file knows which weights an architecture has and checks a manifest
// against it before a single byte of weights is fetched.
import { WINDOW_FRAMES } from '../gpu/constants';

/** DESIGN.md section 2's hyper-parameters, as training/model.py's `Arch`. */
export interface Arch {
  c1: number;
  c2: number;
  c: number;
  /** correlation radius: (2d+1)² displacements */
  d: number;
  /** DLFL window (odd) */
  k: number;
  flow_width: number;
  flow_levels: number;
  align: boolean;
  flow: boolean;
  residual_offsets: boolean;
  /** 0: the flow estimator correlates the shared features F; > 0: it has
   * features of its own, G, this many channels at 1/4 resolution (absent in
   * older model.json files, which means 0). */
  flow_features: number;
  /** The full-resolution temporal path: the four neighbours warped onto the
   * centre by their flow (upsampled ×4) and the centre, 15 channels, through
   * conv3×3 → c1 and LReLU, added to the decoder's E1 skip (absent in older
   * model.json files, which means false). */
  frame_path: boolean;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

export interface ModelManifest {
  format: 'unblur-model';
  version: 1;
  id: string;
  arch: Arch;
  byteLength: number;
  meta?: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

export const MODEL_FORMAT = 'unblur-model';
export const MODEL_VERSION = 1;

export type ModelErrorKind = 'fetch' | 'format' | 'weights';

/** A model that cannot be used: missing, not ours, or not matching its architecture. */
export class ModelLoadError extends Error {
  readonly kind: ModelErrorKind;
  constructor(kind: ModelErrorKind, message: string) {
    super(message);
    this.name = 'ModelLoadError';
    this.kind = kind;
  }
}

const conv = (name: string, kh: number, cin: number, cout: number): WeightSpec[] => [
  { name: `${name}.weight`, shape: [kh, kh, cin, cout], dtype: 'float32' },
  { name: `${name}.bias`, shape: [cout], dtype: 'float32' },
];
const res = (name: string, n: number) => [...conv(`${name}.conv1`, 3, n, n), ...conv(`${name}.conv2`, 3, n, n)];
const stage = (name: string, cin: number, cout: number) => [
  ...conv(`${name}.conv`, 3, cin, cout),
  ...res(`${name}.res1`, cout),
  ...res(`${name}.res2`, cout),
];
const head = (name: string, cin: number, w: number, cout: number) => [
  ...conv(`${name}.conv1`, 3, cin, w),
  ...conv(`${name}.conv2`, 3, w, w),
  ...conv(`${name}.conv3`, 3, w, cout),
];

/** Every weight the architecture has, in training/model.py's state_dict order, browser layouts. */
export function expectedWeights(a: Arch): WeightSpec[] {
  const cv = (2 * a.d + 1) ** 2;
  const hasFlow = a.flow && a.align;
  const flowHeads = hasFlow ? Array.from({ length: a.flow_levels }, (_, i) => head(`flow.heads.${i}`, cv + 2, a.flow_width, 2)).flat() : [];
  const g = a.flow_features;
  const flowFeatures =
    hasFlow && g > 0
      ? [
          ...conv('flow_features.conv1', 3, 3, g / 2),
          ...conv('flow_features.conv2', 3, g / 2, g / 2),
          ...conv('flow_features.conv3', 3, g / 2, g),
          ...conv('flow_features.conv4', 3, g, g),
        ]
      : [];
  return [
    ...stage('encoder.stage1', 3, a.c1),
    ...stage('encoder.stage2', a.c1, a.c2),
    ...stage('encoder.stage3', a.c2, a.c),
    ...flowHeads,
    ...flowFeatures,
    { name: 'align.weight', shape: [3, 3, a.c, a.c], dtype: 'float32' },
    { name: 'align.bias', shape: [a.c], dtype: 'float32' },
    ...head('align.offset_head', cv, a.flow_width, 18),
    ...conv('align.mask_head.0', 3, a.c, a.c / 2),
    ...conv('align.mask_head.2', 3, a.c / 2, 1),
    ...conv('fuse', 1, a.c, a.c),
    ...conv('decoder.up1', 3, a.c, 4 * a.c2),
    ...res('decoder.res1a', a.c2),
    ...res('decoder.res1b', a.c2),
    ...conv('decoder.up2', 3, a.c2, 4 * a.c1),
    ...res('decoder.res2a', a.c1),
    ...res('decoder.res2b', a.c1),
    ...conv('decoder.out', 3, a.c1, 3),
    ...(a.frame_path ? conv('frame_path', 3, 3 * WINDOW_FRAMES, a.c1) : []),
  ];
}

/** Bytes of float32 weights the specs describe. */
export function weightBytes(specs: readonly WeightSpec[]): number {
  return specs.reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
}

const isPosInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

function checkArch(a: unknown): Arch {
  if (typeof a !== 'object' || a === null) throw new ModelLoadError('format', 'model.json has no "arch" object');
  const r = a as Record<string, unknown>;
  for (const key of ['c1', 'c2', 'c', 'd', 'k', 'flow_width', 'flow_levels'] as const) {
    if (!isPosInt(r[key])) throw new ModelLoadError('format', `arch.${key} must be a positive integer, got ${JSON.stringify(r[key])}`);
  }
  for (const key of ['align', 'flow', 'residual_offsets'] as const) {
    if (typeof r[key] !== 'boolean') throw new ModelLoadError('format', `arch.${key} must be true or false`);
  }
  const ff = r.flow_features ?? 0;
  if (ff !== 0 && !(isPosInt(ff) && ff % 2 === 0)) {
    throw new ModelLoadError('format', `arch.flow_features must be 0 or a positive even integer, got ${JSON.stringify(ff)}`);
  }
  const fp = r.frame_path ?? false;
  if (typeof fp !== 'boolean') throw new ModelLoadError('format', 'arch.frame_path must be true or false');
  const arch = { ...r, flow_features: ff, frame_path: fp } as unknown as Arch;
  if (arch.k % 2 === 0) throw new ModelLoadError('format', `arch.k must be odd, got ${arch.k}`);
  if (arch.c % 2 !== 0) throw new ModelLoadError('format', `arch.c must be even, got ${arch.c}`);
  if (arch.flow_levels > 3) throw new ModelLoadError('format', `arch.flow_levels ${arch.flow_levels}: frames padded to 16 allow at most 3`);
  return arch;
}

/** Checks a parsed model.json: format, version, architecture, and that its
 * weights are exactly the ones the architecture needs, with the right shapes
 * and a total byte size that matches. */
export function checkManifest(json: unknown): ModelManifest {
  if (typeof json !== 'object' || json === null) throw new ModelLoadError('format', 'model.json is not a JSON object');
  const m = json as Record<string, unknown>;
  if (m.format !== MODEL_FORMAT) throw new ModelLoadError('format', `model.json is not an Unblur model (format ${JSON.stringify(m.format)})`);
  if (m.version !== MODEL_VERSION) throw new ModelLoadError('format', `model.json has version ${JSON.stringify(m.version)}; this app reads version ${MODEL_VERSION}`);
  const arch = checkArch(m.arch);
  const groups = m.weightsManifest;
  if (!Array.isArray(groups) || groups.length === 0) throw new ModelLoadError('format', 'model.json has no weightsManifest');
  const specs: WeightSpec[] = [];
  for (const g of groups as { paths?: unknown; weights?: unknown }[]) {
    if (!Array.isArray(g.paths) || g.paths.length === 0 || !g.paths.every((p) => typeof p === 'string' && !p.includes('..'))) {
      throw new ModelLoadError('format', 'a weightsManifest group has no usable paths');
    }
    if (!Array.isArray(g.weights)) throw new ModelLoadError('format', 'a weightsManifest group has no weights list');
    specs.push(...(g.weights as WeightSpec[]));
  }
  const want = expectedWeights(arch);
  const byName = new Map(specs.map((s) => [s.name, s]));
  if (byName.size !== specs.length) throw new ModelLoadError('weights', 'model.json lists a weight twice');
  for (const w of want) {
    const got = byName.get(w.name);
    if (!got) throw new ModelLoadError('weights', `model.json lacks the weight ${w.name}`);
    if (got.dtype !== 'float32') throw new ModelLoadError('weights', `${w.name} is ${got.dtype}, expected float32`);
    if (got.shape.join(',') !== w.shape.join(',')) {
      throw new ModelLoadError('weights', `${w.name} has shape [${got.shape}], the architecture needs [${w.shape}]`);
    }
  }
  if (specs.length !== want.length) {
    const extra = specs.find((s) => !want.some((w) => w.name === s.name));
    throw new ModelLoadError('weights', `model.json has a weight the architecture does not use: ${extra?.name}`);
  }
  const bytes = weightBytes(want);
  if (m.byteLength !== bytes) throw new ModelLoadError('weights', `model.json says ${JSON.stringify(m.byteLength)} bytes of weights; its weights need ${bytes}`);
  return { ...(json as ModelManifest), arch };
}
