// Kernel benchmark: median time per kernel, FLOPs, minimum bytes moved,
// achieved GFLOP/s and GB/s.
//   npm run bench:kernels -- --h 180 --w 320 --c 64 [--runs 3] [--warmup 1]
//     [--n 1] [--frames 5] [--d 3] [--k 3] [--only flowWarp,dlfl,'tf.conv2d (baseline)'] [--json]
// Shapes: flowWarp x [n,h,w,c]; correlation a,b [n,h,w,c] over (2d+1)²;
// dcnAlign cin = cout = c; dlfl aligned [frames,h,w,c] with a k×k window.
// FLOP counts (multiply-add = 2): flowWarp 8/element (4 taps), correlation
// 2·c per (pixel, displacement), dcnAlign 2·9·cin·cout per pixel (the GEMM;
// sampling not counted), dlfl 2·frames·k² per output element (the definition;
// the kernel itself does frames·2 + k² by summing frames first). A TF.js
// conv2d of dcnAlign's GEMM size is timed as a baseline. Minimum bytes:
// every input read once + the output written once, float32.
import * as tf from '@tensorflow/tfjs-core';
import { correlation, dcnAlign, dlfl, flowWarp } from '../src/gpu/kernels/index';
import { WINDOW_FRAMES } from '../src/gpu/constants';
import { adapterName, median, parseArgs, setupBench, timeKernel } from './setup';

const args = parseArgs(process.argv.slice(2));
const num = (k: string, d: number) => (args[k] !== undefined ? Number(args[k]) : d);
const h = num('h', 36);
const w = num('w', 64);
const c = num('c', 16);
const n = num('n', 1);
const frames = num('frames', WINDOW_FRAMES);
const d = num('d', 3);
const k = num('k', 3);
const runs = num('runs', 3);
const warmup = num('warmup', 1);
const only = args.only ? args.only.split(',') : null;

const device = await setupBench();
const ident = await adapterName();
console.log(`device: ${ident}`);
console.log(`sizes: h=${h} w=${w} c=${c} n=${n} frames=${frames} d=${d} k=${k}; runs=${runs} warm-up=${warmup}`);

const P = n * h * w;
const u = (shape: number[], lo = -1, hi = 1) => tf.randomUniform(shape, lo, hi, 'float32');
const x = u([n, h, w, c]) as tf.Tensor4D;
const x2 = u([n, h, w, c]) as tf.Tensor4D;
const flow = u([n, h, w, 2], -4, 4) as tf.Tensor4D;
const mask = u([n, h, w, 1], 0, 1) as tf.Tensor4D;
const offset = u([n, h, w, 18], -2, 2) as tf.Tensor4D;
const weight = u([3, 3, c, c], -0.1, 0.1) as tf.Tensor4D;
const bias = u([c]) as tf.Tensor1D;
const aligned = u([frames, h, w, c]) as tf.Tensor4D;
const masks = u([frames, h, w, 1], 0, 1) as tf.Tensor4D;
await x.data(); // make sure the inputs exist on the GPU before timing
await masks.data();

const D2 = (2 * d + 1) ** 2;
const cases: Array<{ name: string; fn: () => tf.Tensor; flops: number; bytes: number }> = [
  { name: 'flowWarp', fn: () => flowWarp(x, flow), flops: 8 * P * c, bytes: 4 * (P * c + P * 2 + P * c) },
  { name: 'correlation', fn: () => correlation(x, x2, d), flops: 2 * c * D2 * P, bytes: 4 * (2 * P * c + P * D2) },
  {
    name: 'dcnAlign',
    fn: () => dcnAlign(x, mask, offset, weight, bias),
    flops: 2 * 9 * c * c * P,
    bytes: 4 * (P * (c + 1 + 18 + c) + 9 * c * c + c),
  },
  {
    // Baseline: TF.js's own 3×3 convolution with the same GEMM size (what
    // dcnAlign would cost without the deformable sampling).
    name: 'tf.conv2d (baseline)',
    fn: () => tf.conv2d(x, weight, 1, 'same'),
    flops: 2 * 9 * c * c * P,
    bytes: 4 * (P * (c + c) + 9 * c * c),
  },
  {
    name: 'dlfl',
    fn: () => dlfl(aligned, masks, k),
    flops: 2 * frames * k * k * h * w * c,
    bytes: 4 * (frames * h * w * c + frames * h * w + h * w * c),
  },
];

const rows: Array<Record<string, number | string>> = [];
for (const cs of cases) {
  if (only && !only.includes(cs.name)) continue;
  const times = await timeKernel(device, cs.fn, runs, warmup);
  const ms = median(times);
  rows.push({
    kernel: cs.name,
    median_ms: +ms.toFixed(3),
    min_ms: +Math.min(...times).toFixed(3),
    MFLOP: +(cs.flops / 1e6).toFixed(2),
    MB: +(cs.bytes / 1e6).toFixed(2),
    'GFLOP/s': +(cs.flops / (ms * 1e6)).toFixed(3),
    'GB/s': +(cs.bytes / (ms * 1e6)).toFixed(3),
  });
}
if (args.json) console.log(JSON.stringify({ device: ident, h, w, c, n, frames, d, k, runs, rows }));
else console.table(rows);
tf.dispose([x, x2, flow, mask, offset, weight, bias, aligned, masks]);
process.exit(0);
