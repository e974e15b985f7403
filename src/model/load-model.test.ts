// Loading a model: the shipped one loads with the shapes its architecture
// needs; a missing, foreign, mismatched or truncated one is refused with a
// ModelLoadError that says what is wrong, and nothing stays on the GPU.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useWebGPU } from '../gpu/kernels/test-util';
import { checkManifest, countFlops, disposeModel, expectedWeights, loadModel, ModelLoadError, weightBytes, type ModelFileReader } from './index';
import { fileReader } from './node-reader';
import { SHIPPED_MODEL_DIR as MODEL_DIR } from './test-fixtures';

const manifestText = readFileSync(`${MODEL_DIR}/model.json`, 'utf8');
const weightsBin = readFileSync(`${MODEL_DIR}/weights.bin`);

beforeAll(useWebGPU);

/** A reader over in-memory files, with edits. */
function memReader(files: Record<string, string | Uint8Array>): ModelFileReader {
  return async (path) => {
    const f = files[path];
    if (f === undefined) throw new ModelLoadError('fetch', `could not download ${path} (HTTP 404)`);
    const bytes = typeof f === 'string' ? new TextEncoder().encode(f) : f;
    return new Uint8Array(bytes).buffer; // a copy: a Node Buffer view shares a larger ArrayBuffer
  };
}

function edited(edit: (m: Record<string, any>) => void): string {
  const m = JSON.parse(manifestText);
  edit(m);
  return JSON.stringify(m);
}

async function refusal(files: Record<string, string | Uint8Array>): Promise<ModelLoadError> {
  const before = tf.memory().numTensors;
  const e = await loadModel(memReader(files)).then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ModelLoadError);
  expect(tf.memory().numTensors).toBe(before);
  return e as ModelLoadError;
}

describe('loadModel', () => {
  it('loads the shipped model with every weight the architecture needs', async () => {
    const m = await loadModel(fileReader(MODEL_DIR));
    const want = expectedWeights(m.manifest.arch);
    expect(Object.keys(m.weights).sort()).toEqual(want.map((w) => w.name).sort());
    for (const w of want) expect(m.weights[w.name].shape, w.name).toEqual(w.shape);
    const stem = await m.weights['encoder.stage1.conv.weight'].data();
    const raw = new Float32Array(weightsBin.buffer.slice(weightsBin.byteOffset, weightsBin.byteOffset + 4 * stem.length));
    expect(Array.from(stem)).toEqual(Array.from(raw));
    disposeModel(m);
  });

  it('counts the same FLOPs as training/model.py', () => {
    const m = JSON.parse(manifestText);
    expect(countFlops(m.arch, 720, 1280).total).toBe(m.flopsPerFrame720p);
    const fixture = (id: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`./fixtures/${id}/model.json`, import.meta.url)), 'utf8'));
    const [ff, fp] = [fixture('tiny-ff'), fixture('tiny-fp')];
    expect(ff.arch.flow_features).toBeGreaterThan(0);
    expect(countFlops(ff.arch, 720, 1280).total).toBe(ff.flopsPerFrame720p);
    expect(fp.arch.frame_path).toBe(true);
    expect(countFlops(fp.arch, 720, 1280).total).toBe(fp.flopsPerFrame720p);
    expect(countFlops(fp.arch, 720, 1280).frames).toBeGreaterThan(0);
    expect(countFlops(ff.arch, 720, 1280).frames).toBe(0);
  });

  it('reads a model.json without flow_features or frame_path as one whose flow shares F, without the frame path', () => {
    const m = JSON.parse(manifestText);
    delete m.arch.flow_features; // as in model.json files written before the fields
    delete m.arch.frame_path;
    m.weightsManifest[0].weights = m.weightsManifest[0].weights.filter((w: { name: string }) => !w.name.startsWith('frame_path.'));
    m.byteLength = weightBytes(expectedWeights({ ...m.arch, flow_features: 0, frame_path: false }));
    const arch = checkManifest(m).arch;
    expect([arch.flow_features, arch.frame_path]).toEqual([0, false]);
  });

  it('refuses a missing model folder', async () => {
    const e = await loadModel(fileReader('/nonexistent/model')).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ModelLoadError);
    expect((e as ModelLoadError).kind).toBe('fetch');
  });

  it('refuses a file that is not JSON or not an Unblur model', async () => {
    expect((await refusal({ 'model.json': '<html>' })).kind).toBe('format');
    expect((await refusal({ 'model.json': edited((m) => (m.format = 'layers-model')) })).message).toMatch(/not an Unblur model/);
    expect((await refusal({ 'model.json': edited((m) => (m.version = 2)) })).message).toMatch(/version 2/);
    expect((await refusal({ 'model.json': edited((m) => (m.arch.k = 4)) })).message).toMatch(/arch.k must be odd/);
    expect((await refusal({ 'model.json': edited((m) => delete m.arch.c) })).message).toMatch(/arch.c must be/);
    expect((await refusal({ 'model.json': edited((m) => (m.arch.flow_features = 7)) })).message).toMatch(/flow_features must be 0 or a positive even/);
    expect((await refusal({ 'model.json': edited((m) => (m.arch.frame_path = 'yes')) })).message).toMatch(/frame_path must be true or false/);
  });

  it('refuses weights that do not match the architecture', async () => {
    const wrongShape = edited((m) => (m.weightsManifest[0].weights[0].shape = [3, 3, 3, 8]));
    expect((await refusal({ 'model.json': wrongShape, 'weights.bin': weightsBin })).message).toMatch(/encoder.stage1.conv.weight has shape \[3,3,3,8\]/);
    const missing = edited((m) => m.weightsManifest[0].weights.splice(2, 1));
    expect((await refusal({ 'model.json': missing, 'weights.bin': weightsBin })).message).toMatch(/lacks the weight encoder.stage1.res1.conv1.weight/);
    const wider = edited((m) => (m.arch.c = 96));
    expect((await refusal({ 'model.json': wider, 'weights.bin': weightsBin })).kind).toBe('weights');
  });

  it('refuses a truncated or missing weight file', async () => {
    const cut = await refusal({ 'model.json': manifestText, 'weights.bin': weightsBin.subarray(0, 1000) });
    expect(cut.message).toMatch(/hold 1000 bytes/);
    expect((await refusal({ 'model.json': manifestText })).kind).toBe('fetch');
  });
});
