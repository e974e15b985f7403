// Test helpers (Node): the shipped base model and the fixture files that
// `training.export --golden` writes next to it (training/export.py
// write_tensors: <stem>.json = header + name/shape/byte offset per tensor,
// <stem>.bin = float32 arrays back to back).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadModel, Network, type LoadedModel } from './index';
import { fileReader } from './node-reader';

export const SHIPPED_MODEL_DIR = fileURLToPath(new URL('../../public/models/base', import.meta.url));
const FIXTURES = new URL('./fixtures/base/', import.meta.url);

export async function loadShippedModel(): Promise<{ model: LoadedModel; net: Network }> {
  const model = await loadModel(fileReader(SHIPPED_MODEL_DIR));
  return { model, net: new Network(model) };
}

export interface TensorFile<H> {
  header: H;
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
}

/** Reads fixtures/base/<stem>.json + .bin. */
export function readTensorFile<H>(stem: string): TensorFile<H> {
  const { tensors: index, ...header } = JSON.parse(readFileSync(new URL(`${stem}.json`, FIXTURES), 'utf8')) as {
    tensors: { name: string; shape: number[]; offset: number }[];
  };
  const bin = readFileSync(new URL(`${stem}.bin`, FIXTURES));
  const all = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const t of index) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    tensors.set(t.name, { shape: t.shape, data: all.subarray(t.offset / 4, t.offset / 4 + n) });
  }
  return { header: header as H, tensors };
}
