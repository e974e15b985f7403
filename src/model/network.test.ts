// Parity with PyTorch: the golden fixtures written by `training.export --golden`
// hold a 5-frame clip and every stage of the PyTorch network's output for the
// shipped weights (public/models/base), for a tiny random model whose flow
// estimator has its own features (fixtures/tiny-ff) and for one that also has
// the full-resolution frame path (fixtures/tiny-fp). The browser graph must reproduce each
// stage within 1e-3 (relative to the stage's largest value) and the restored
// frame within 2e-3 absolute.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useWebGPU } from '../gpu/kernels/test-util';
import { CENTRE, disposeModel, Network, type Encoded, type LoadedModel, type RestoreStages } from './index';
import { FIXTURE_MODELS, loadFixtureModel, readTensorFile, type FixtureModel, type TensorFile } from './test-fixtures';

type Golden = TensorFile<{ height: number; width: number; centre: number }>;

/** max|got − want| and max|want|. */
function diff(got: ArrayLike<number>, want: Float32Array): { maxDiff: number; scale: number } {
  expect(got.length).toBe(want.length);
  let maxDiff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= maxDiff)) maxDiff = Number.isNaN(d) ? Infinity : d;
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return { maxDiff, scale };
}

const models = {} as Record<FixtureModel, { model: LoadedModel; net: Network }>;

beforeAll(async () => {
  await useWebGPU();
  for (const id of FIXTURE_MODELS) models[id] = await loadFixtureModel(id);
});
afterAll(() => Object.values(models).forEach(({ model }) => disposeModel(model)));

describe('the browser network equals PyTorch on the golden fixtures', () => {
  it.each(FIXTURE_MODELS)('%s: every stage within 1e-3 relative, the restored frame within 2e-3 absolute', async (id) => {
    const { net } = models[id];
    const golden: Golden = readTensorFile('golden', id);
    const g = golden.tensors;
    const before = tf.memory().numTensors;
    const input = g.get('input')!;
    expect(golden.header.height % 16).toBe(0); // the fixture needs no padding: stages compare 1:1
    const x = tf.tensor4d(input.data, input.shape as [number, number, number, number]);
    const enc = net.encode(x);
    const feats: Encoded[] = [0, 1, 2, 3, 4].map((i) =>
      tf.tidy(() => {
        const one = (t: tf.Tensor4D) => tf.slice(t, [i, 0, 0, 0], [1, -1, -1, -1]);
        return { x: one(x), e1: one(enc.e1), e2: one(enc.e2), f: one(enc.f), m: one(enc.m), ...(enc.g ? { g: one(enc.g) } : {}) };
      }),
    );
    const stages = {} as RestoreStages;
    const restored = net.restore(feats, stages);
    const cat = (ts: tf.Tensor4D[]) => tf.concat(ts, 0);
    const got: Record<string, tf.Tensor> = {
      E1: enc.e1,
      E2: enc.e2,
      F: enc.f,
      M: enc.m,
      ...(enc.g ? { G: enc.g } : {}),
      flows: cat(stages.flows),
      offsets: cat(stages.offsets),
      masksWarped: cat(stages.masksWarped),
      aligned: cat(stages.aligned),
      Q: stages.q,
      fused: stages.fused,
      ...(stages.framesWarped ? { framesWarped: stages.framesWarped, framePath: stages.framePath! } : {}),
    };
    // Every stage in the fixture is compared (G only exists for the tiny models, the frame path for tiny-fp).
    expect(Object.keys(got).sort()).toEqual([...g.keys()].filter((k) => !['input', 'restored', 'restoredClamped'].includes(k)).sort());
    expect('G' in got).toBe(id !== 'base');
    expect('framePath' in got).toBe(net.arch.frame_path);
    const report: Record<string, string> = {};
    for (const [name, t] of Object.entries(got)) {
      const want = g.get(name)!;
      expect(t.shape, name).toEqual(want.shape);
      const { maxDiff, scale } = diff(await t.data(), want.data);
      report[name] = `${maxDiff.toExponential(2)} of ${scale.toFixed(3)}`;
      expect(maxDiff / Math.max(scale, 1e-6), `${name}: max diff ${maxDiff} at scale ${scale}`).toBeLessThanOrEqual(1e-3);
    }
    const clamped = tf.tidy(() => tf.clipByValue(restored, 0, 1));
    for (const [name, t] of [['restored', restored], ['restoredClamped', clamped]] as const) {
      const { maxDiff } = diff(await t.data(), g.get(name)!.data);
      report[name] = maxDiff.toExponential(2);
      expect(maxDiff, name).toBeLessThanOrEqual(2e-3);
    }
    console.log(`golden parity, ${id} (max |diff| of scale):`, report);
    // The network must have changed the frame: parity with an identity would be vacuous.
    const { maxDiff: moved } = diff(await clamped.data(), g.get('input')!.data.subarray(CENTRE * clamped.size, (CENTRE + 1) * clamped.size));
    expect(moved).toBeGreaterThan(1e-2);
    tf.dispose([x, restored, clamped, ...Object.values(got), ...stages.flows, ...stages.offsets, ...stages.aligned, ...stages.masksWarped]);
    for (const f of feats) tf.dispose(Object.values(f));
    expect(tf.memory().numTensors).toBe(before);
  });
});
