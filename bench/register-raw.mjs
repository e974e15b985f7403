// Node module hook so that Vite-style `import text from './x.wgsl?raw'` works
// under plain Node (tsx) for the benchmarks: `node --import tsx/esm
// --import ./bench/register-raw.mjs bench/kernels.ts`.
import { register } from 'node:module';

register('./raw-loader.mjs', import.meta.url);
