// Interop measurement behind docs/kernels.md: the same flow-warp computation
//   (a) as our own pipeline on TF.js's device (src/gpu/kernel-runner.ts), vs
//   (b) as a TF.js WebGPUProgram run by backend.runWebGPUProgram (TF.js's
//       generated WGSL prelude, batched into TF.js's command encoder).
//   npm run bench:interop -- [--iters 200] [--h 36 --w 64 --c 16] [--runs 5]
import * as tf from '@tensorflow/tfjs-core';
import { flowWarp } from '../src/gpu/kernels/flow-warp';
import { runTFJSProgram, type TFJSProgramLike } from '../src/gpu/tf-interop';
import { adapterName, median, parseArgs, setupBench, timeKernel } from './setup';

class FlowWarpTFJSProgram implements TFJSProgramLike {
  variableNames = ['x', 'flow'];
  outputShape: number[];
  shaderKey = 'unblurFlowWarpB';
  dispatchLayout = { x: [0, 1, 2, 3] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [256, 1, 1];
  size = true;
  constructor(shape: number[]) {
    this.outputShape = shape;
    this.dispatch = [Math.ceil(shape.reduce((a, b) => a * b, 1) / 256), 1, 1];
  }
  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let co = getCoordsFromIndex(index);
        let H = uniforms.xShape.y;
        let W = uniforms.xShape.z;
        let fi = getIndexFromCoords4D(vec4<i32>(co.x, co.y, co.z, 0), uniforms.flowShape);
        let cx = clamp(f32(co.z) + flow[fi], -2.0, f32(W) + 1.0);
        let cy = clamp(f32(co.y) + flow[fi + 1], -2.0, f32(H) + 1.0);
        let x0 = i32(floor(cx));
        let y0 = i32(floor(cy));
        let lx = cx - floor(cx);
        let ly = cy - floor(cy);
        var acc = 0.0;
        for (var k = 0; k < 4; k++) {
          let yy = y0 + (k >> 1);
          let xx = x0 + (k & 1);
          if (yy >= 0 && yy < H && xx >= 0 && xx < W) {
            let wy = select(1.0 - ly, ly, (k >> 1) == 1);
            let wx = select(1.0 - lx, lx, (k & 1) == 1);
            acc += wy * wx * x[getIndexFromCoords4D(vec4<i32>(co.x, yy, xx, co.w), uniforms.xShape)];
          }
        }
        setOutputAtIndex(index, acc);
      }`;
  }
}

const flowWarpB = (x: tf.Tensor, f: tf.Tensor) => runTFJSProgram(new FlowWarpTFJSProgram(x.shape), [x, f]);

const args = parseArgs(process.argv.slice(2));
const num = (k: string, d: number) => (args[k] !== undefined ? Number(args[k]) : d);
const iters = num('iters', 200);
const [h, w, c] = [num('h', 36), num('w', 64), num('c', 16)];
const runs = num('runs', 5);
const device = await setupBench();
console.log(`device: ${await adapterName()}`);

// correctness: both variants agree
{
  const x = tf.randomUniform([2, 7, 11, 5]);
  const f = tf.randomUniform([2, 7, 11, 2], -3, 3);
  const ya = flowWarp(x as tf.Tensor4D, f as tf.Tensor4D);
  const yb = flowWarpB(x, f);
  const diff = tf.max(tf.abs(tf.sub(ya, yb)));
  console.log(`max |a − b| = ${(await diff.data())[0]}`);
  tf.dispose([x, f, ya, yb, diff]);
}

// 1) per-call overhead: tiny tensors, each kernel call followed by a TF.js op
//    (the pattern inside the network), one await at the end.
async function chain(kernel: (x: tf.Tensor, f: tf.Tensor) => tf.Tensor): Promise<number> {
  const x = tf.randomUniform([1, 8, 8, 4]);
  const f = tf.randomUniform([1, 8, 8, 2], -1, 1);
  const y0 = kernel(x, f); // warm-up / compile
  await y0.data();
  y0.dispose();
  const t0 = performance.now();
  let acc = tf.zeros([1, 8, 8, 4]);
  for (let i = 0; i < iters; i++) {
    const y = kernel(x, f);
    const next = tf.add(acc, y);
    tf.dispose([y, acc]);
    acc = next;
  }
  await acc.data();
  const ms = performance.now() - t0;
  tf.dispose([x, f, acc]);
  return ms;
}
const results: Record<string, number> = {};
for (const [name, k] of [['a', (x: tf.Tensor, f: tf.Tensor) => flowWarp(x as tf.Tensor4D, f as tf.Tensor4D)], ['b', flowWarpB]] as const) {
  const ts = [];
  for (let r = 0; r < 3; r++) ts.push(await chain(k));
  results[`chain_${name}_ms_per_call`] = median(ts) / iters;
}
// 2) one call at a working size, from call to completion
{
  const x = tf.randomUniform([1, h, w, c]);
  const f = tf.randomUniform([1, h, w, 2], -4, 4);
  await x.data();
  results.single_a_ms = median(await timeKernel(device, () => flowWarp(x as tf.Tensor4D, f as tf.Tensor4D), runs, 1));
  results.single_b_ms = median(await timeKernel(device, () => flowWarpB(x, f), runs, 1));
  tf.dispose([x, f]);
}
console.table(Object.entries(results).map(([k, v]) => ({ measure: k, ms: +v.toFixed(3) })));
process.exit(0);
