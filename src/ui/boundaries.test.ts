// src/ui must stay free of TF.js and media code: the page must load fast and
// the engine lives behind its own interface. This walks the UI's imports.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const uiDir = dirname(fileURLToPath(import.meta.url));
const srcDir = resolve(uiDir, '..');
const FORBIDDEN = [/@tensorflow\//, /mediabunny/, /(^|\/)media\//, /(^|\/)engine\//, /(^|\/)model\//];
// The UI reaches the engine worker only through these two files: the message
// types and the client that posts them (the worker is referenced by URL, never
// imported). The walk still follows them, so they must obey the same rule.
const ALLOWED = new Set(['engine/client.ts', 'engine/protocol.ts']);

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(?\s*['"]([^'"]+)['"]/g)) {
    out.push((m[1] ?? m[2])!);
  }
  return out;
}

function resolveLocal(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(from), spec);
  for (const cand of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
    try {
      readFileSync(cand);
      return cand;
    } catch {
      /* try next */
    }
  }
  return null;
}

describe('src/ui import boundary', () => {
  it('never reaches TF.js, media, engine or model code', () => {
    const entries = readdirSync(uiDir)
      .filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f))
      .map((f) => join(uiDir, f));
    const seen = new Set<string>();
    const bad: string[] = [];
    const stack = [...entries, join(srcDir, 'main.tsx')];
    while (stack.length > 0) {
      const file = stack.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of importsOf(file)) {
        const local = resolveLocal(file, spec);
        const rel = local ? local.slice(srcDir.length + 1) : spec;
        if (!ALLOWED.has(rel) && FORBIDDEN.some((re) => re.test(rel))) bad.push(`${file.slice(srcDir.length + 1)} -> ${spec}`);
        if (local && /\.tsx?$/.test(local)) stack.push(local);
      }
    }
    expect(seen.size).toBeGreaterThan(3);
    expect(bad).toEqual([]);
  });

  it('lets the engine client import nothing but the protocol, type-only', () => {
    const client = readFileSync(join(srcDir, 'engine/client.ts'), 'utf8');
    const statements = [...client.matchAll(/^\s*import\s[^;]*?;/gms)].map((m) => m[0].trim());
    expect(statements.length).toBeGreaterThan(0);
    for (const st of statements) expect(st).toMatch(/^import type \{[^}]*\} from '\.\/protocol';$/s);
    expect(client).not.toMatch(/import\s*\(/);
    expect(importsOf(join(srcDir, 'engine/protocol.ts'))).toEqual([]);
  });
});
