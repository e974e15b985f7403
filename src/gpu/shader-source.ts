// Builds the final WGSL text of a kernel: the `.wgsl` file (imported with
// Vite's `?raw`) with the constants from src/gpu/constants.ts prepended as
// WGSL `const` declarations. The shader key names the kernel and every
// injected value, so equal keys mean equal sources.

export type WgslConst = { type: 'u32' | 'i32' | 'f32'; value: number };

export interface ShaderSpec {
  /** kernel name, e.g. 'flow-warp' */
  name: string;
  /** WGSL text of shaders/<name>.wgsl */
  body: string;
  /** injected constants, in declaration order */
  consts: Record<string, WgslConst>;
}

function literal(c: WgslConst): string {
  if (c.type === 'f32') {
    const s = String(c.value);
    return /[.eE]/.test(s) ? `${s}f` : `${s}.0f`;
  }
  if (!Number.isInteger(c.value)) throw new Error(`non-integer ${c.type} constant ${c.value}`);
  return c.type === 'u32' ? `${c.value}u` : `${c.value}i`;
}

export function shaderKey(spec: ShaderSpec): string {
  return `${spec.name}(${Object.entries(spec.consts).map(([k, c]) => `${k}=${c.value}`).join(',')})`;
}

export function shaderCode(spec: ShaderSpec): string {
  const header = Object.entries(spec.consts)
    .map(([k, c]) => `const ${k}: ${c.type} = ${literal(c)};`)
    .join('\n');
  return `// ---- injected by src/gpu/shader-source.ts: ${shaderKey(spec)}\n${header}\n// ----\n${spec.body}`;
}

export const u32 = (value: number): WgslConst => ({ type: 'u32', value });
export const i32 = (value: number): WgslConst => ({ type: 'i32', value });
