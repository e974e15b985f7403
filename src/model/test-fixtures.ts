// Test helpers (Node): the shipped base model, a tiny random one, and the
// fixture files that `training.export --golden` writes for each (training/export.py
// write_tensors: <stem>.json = header + name/shape/byte offset per tensor,
// <stem>.bin = float32 arrays back to back).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadModel, Network, type LoadedModel } from './index';
import { fileReader } from './node-reader';

export const SHIPPED_MODEL_DIR = fileURLToPath(new URL('../../public/models/base', import.meta.url));
const FIXTURES = new URL('./fixtures/', import.meta.url);

/** The models the parity fixtures were written for: the shipped base, and
 * small randomly initialised ones (`training.export --random-arch …`, docs/engine.md)
 * whose flow estimator has its own features (src/model/fixtures/tiny-ff) and
 * that also have the frame path (src/model/fixtures/tiny-fp). */
export const FIXTURE_MODELS = ['base', 'tiny-ff', 'tiny-fp'] as const;
export type FixtureModel = (typeof FIXTURE_MODELS)[number];

export async function loadFixtureModel(id: FixtureModel): Promise<{ model: LoadedModel; net: Network }> {
  const dir = id === 'base' ? SHIPPED_MODEL_DIR : fileURLToPath(new URL(`${id}/`, FIXTURES));
  const model = await loadModel(fileReader(dir));
  return { model, net: new Network(model) };
}

export interface TensorFile<H> {
  header: H;
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
}

/** Reads fixtures/<id>/<stem>.json + .bin. */
export function readTensorFile<H>(stem: string, id: FixtureModel = 'base'): TensorFile<H> {
  const dir = new URL(`${id}/`, FIXTURES);
  const { tensors: index, ...header } = JSON.parse(readFileSync(new URL(`${stem}.json`, dir), 'utf8')) as {
    tensors: { name: string; shape: number[]; offset: number }[];
  };
  const bin = readFileSync(new URL(`${stem}.bin`, dir));
  const all = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const t of index) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    tensors.set(t.name, { shape: t.shape, data: all.subarray(t.offset / 4, t.offset / 4 + n) });
  }
  return { header: header as H, tensors };
}
