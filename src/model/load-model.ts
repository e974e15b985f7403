// Loads an exported model (model.json + weight shards) into GPU tensors with
// TF.js's weight loader (tf.io.weightsLoaderFactory). Where the bytes come
// from is a parameter: fetch() in the browser, the file system in Node.
import * as tf from '@tensorflow/tfjs-core';
import { checkManifest, ModelLoadError, type ModelManifest } from './manifest';

/** Reads one file of the model folder, by its path relative to model.json. */
export type ModelFileReader = (path: string) => Promise<ArrayBuffer>;

export interface LoadedModel {
  manifest: ModelManifest;
  /** name → tensor, in the browser's layouts (HWIO convs, NHWC activations). */
  weights: tf.NamedTensorMap;
}

/** Reads files relative to a model folder URL (e.g. `/models/base/`). */
export function urlReader(baseUrl: string | URL, init?: RequestInit): ModelFileReader {
  const base = new URL(String(baseUrl).endsWith('/') ? String(baseUrl) : `${String(baseUrl)}/`, globalThis.location?.href);
  return async (path) => {
    let res: Response;
    try {
      res = await fetch(new URL(path, base), init);
    } catch (e) {
      throw new ModelLoadError('fetch', `could not download ${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!res.ok) throw new ModelLoadError('fetch', `could not download ${path} (HTTP ${res.status})`);
    return res.arrayBuffer();
  };
}

/** Loads and checks a model; the tensors live on the active TF.js backend. */
export async function loadModel(read: ModelFileReader): Promise<LoadedModel> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(await read('model.json')));
  } catch (e) {
    if (e instanceof ModelLoadError) throw e;
    throw new ModelLoadError('format', 'model.json is not valid JSON');
  }
  const manifest = checkManifest(json);
  const fetchShards = async (paths: string[]): Promise<ArrayBuffer[]> => {
    // tf.io joins the (empty) prefix and the shard name with a '/'.
    const bufs = await Promise.all(paths.map((p) => read(p.replace(/^\/+/, ''))));
    const got = bufs.reduce((n, b) => n + b.byteLength, 0);
    if (got !== manifest.byteLength) {
      throw new ModelLoadError('weights', `the weight files hold ${got} bytes, model.json says ${manifest.byteLength} (truncated download?)`);
    }
    return bufs;
  };
  const weights = await tf.io.weightsLoaderFactory(fetchShards)(manifest.weightsManifest);
  return { manifest, weights };
}

export function disposeModel(m: LoadedModel): void {
  tf.dispose(Object.values(m.weights));
}
