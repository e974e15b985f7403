// Reads a model folder from the file system (Node: tests, benchmarks, the CLI).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelLoadError } from './manifest';
import type { ModelFileReader } from './load-model';

export function fileReader(dir: string): ModelFileReader {
  return async (path) => {
    try {
      const b = await readFile(join(dir, path));
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    } catch (e) {
      throw new ModelLoadError('fetch', `could not read ${join(dir, path)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  };
}
