// Engine benchmark: the trained network at a frame size, in Node on WebGPU.
//   npm run bench -- --model base --width 320 --height 180 --frames 12 [--passes 1|2|4] [--json]
// Prints, per output frame: FLOPs (counted from the architecture, as
// training/model.py does), the median time of the whole sliding-window step
// (encode the new frame + restore one output + read nothing back; with
// --passes, the app's Quality setting: that many mirrored windows), the median
// of each stage run alone (encode, flow, align, fuse, [frames,] decode; the GPU is
// drained before and after each), frames per second, and peak GPU memory
// (live tensors, and everything TF.js's buffer pool holds).
// On a GPU-less machine this runs on SwiftShader: keep sizes tiny. On a GPU
// machine, point VK_ICD_FILENAMES at its Vulkan driver (PLATFORM.md).
import * as tf from '@tensorflow/tfjs-core';
import { fileURLToPath } from 'node:url';
import { PASS_CHOICES, type Passes } from '../src/engine/protocol';
import { SelfEnsemble } from '../src/engine/self-ensemble';
import { padReplicate } from '../src/engine/sliding-window';
import { flushTF } from '../src/gpu/tf-interop';
import { countFlops, loadModel, Network, WINDOW, type Encoded } from '../src/model';
import { fileReader } from '../src/model/node-reader';
import { adapterName, median, parseArgs, setupBench } from './setup';

const args = parseArgs(process.argv.slice(2));
const num = (k: string, d: number) => (args[k] !== undefined ? Number(args[k]) : d);
const modelId = args.model ?? 'base';
const width = num('width', 64);
const height = num('height', 48);
const frames = Math.max(3, num('frames', 8));
const json = args.json === 'true';
const passes = num('passes', 1) as Passes;
if (!PASS_CHOICES.includes(passes)) throw new Error(`--passes must be one of ${PASS_CHOICES.join(', ')}, got ${args.passes}`);

await setupBench();
const ident = await adapterName();
const dir = fileURLToPath(new URL(`../public/models/${modelId}`, import.meta.url));
const model = await loadModel(fileReader(dir));
const net = new Network(model);
const flops = countFlops(model.manifest.arch, height, width);

type Mem = { numBytesInGPU: number; numBytesAllocatedInGPU?: number };
let peakLive = 0;
let peakPool = 0;
const sample = () => {
  const m = tf.memory() as unknown as Mem;
  peakLive = Math.max(peakLive, m.numBytesInGPU);
  peakPool = Math.max(peakPool, m.numBytesAllocatedInGPU ?? 0);
};
// Waits for all GPU work submitted so far: a tiny read-back queued behind it
// completes only after it (the same sync the app pays for each frame).
const drain = async () => {
  flushTF();
  const probe = tf.tidy(() => tf.add(tf.zeros([1]), 1));
  await probe.data();
  probe.dispose();
  sample();
};

// A few distinct random frames, cycled (content does not change the work).
const inputs = Array.from({ length: 4 }, (_, i) => tf.randomUniform([height, width, 3], 0, 1, 'float32', i) as tf.Tensor3D);
for (const x of inputs) await x.data();

// 1) The engine as the app runs it: one push per frame, one output per push.
const eng = new SelfEnsemble(net, height, width, 0, passes);
const stepMs: number[] = [];
const warm = 3;
for (let t = 0; t < frames + warm; t++) {
  await drain();
  const t0 = performance.now();
  const outs = eng.push(inputs[t % inputs.length]);
  await drain();
  const dt = performance.now() - t0;
  if (t >= warm + 2) stepMs.push(dt); // from the third push on, each push restores one frame
  tf.dispose(outs);
}
tf.dispose(eng.flush());
eng.dispose();

// 2) Each stage alone, on a full window.
const x = padReplicate(tf.expandDims(inputs[0], 0) as tf.Tensor4D);
const stageMs: Record<string, number[]> = { encode: [], flow: [], align: [], fuse: [], ...(net.arch.frame_path ? { frames: [] } : {}), decode: [] };
const timed = async <T>(name: string, fn: () => T): Promise<T> => {
  await drain();
  const t0 = performance.now();
  const r = fn();
  await drain();
  stageMs[name].push(performance.now() - t0);
  return r;
};
for (let i = 0; i < Math.max(3, frames - 2); i++) {
  const enc = await timed('encode', () => net.encode(x));
  const e: Encoded = { x, ...enc };
  const feats = Array.from({ length: WINDOW }, () => e);
  const flows = await timed('flow', () => net.flowStage(feats));
  const al = await timed('align', () => net.alignStage(feats, flows));
  const fu = await timed('fuse', () => net.fuseStage(al.aligned, al.masks));
  const fr = net.arch.frame_path ? await timed('frames', () => net.frameStage(feats, flows)) : undefined;
  const out = await timed('decode', () => net.decode(fu.fused, e, fr?.framePath));
  tf.dispose([enc.e1, enc.e2, enc.f, enc.m, ...(enc.g ? [enc.g] : []), ...flows, ...al.aligned, ...al.masks, ...al.offsets, fu.q, fu.fused, out, ...(fr ? [fr.framesWarped, fr.framePath] : [])]);
}
if (stageMs.encode.length > 1) for (const k of Object.keys(stageMs)) stageMs[k].shift(); // first = pipeline compile

const perFrame = median(stepMs);
const result = {
  date: new Date().toISOString().slice(0, 10),
  device: ident,
  model: modelId,
  width,
  height,
  passes,
  frames: stepMs.length,
  gflopPerFrame: (flops.total * passes) / 1e9,
  gflopPerStage: Object.fromEntries(Object.entries(flops).filter(([k]) => k !== 'total').map(([k, v]) => [k, v / 1e9])),
  msPerFrame: perFrame,
  msPerStage: Object.fromEntries(Object.entries(stageMs).map(([k, v]) => [k, median(v)])),
  fps: 1000 / perFrame,
  gflopsAchieved: (flops.total * passes) / 1e6 / perFrame,
  peakGpuMiB: { liveTensors: peakLive / 2 ** 20, pool: peakPool / 2 ** 20 },
};

if (json) {
  console.log(JSON.stringify(result));
} else {
  const f = (v: number, d = 1) => v.toFixed(d);
  console.log(`device: ${result.device}`);
  console.log(`model ${modelId}, ${width}×${height}, ${passes} pass${passes === 1 ? '' : 'es'}, ${result.frames} timed frames (${result.date})`);
  console.log(`FLOPs per output frame: ${f(result.gflopPerFrame, 3)} GFLOP${passes > 1 ? ` (${passes} passes of ${f(flops.total / 1e9, 3)})` : ''}`);
  console.log(`ms per output frame (median): ${f(perFrame)}   → ${f(result.fps, 2)} fps, ${f(result.gflopsAchieved, 2)} GFLOP/s`);
  console.log('stage    GFLOP     ms (median, run alone, one pass)');
  for (const k of Object.keys(stageMs)) {
    console.log(`${k.padEnd(8)} ${f(result.gflopPerStage[k], 3).padStart(7)}   ${f(result.msPerStage[k]).padStart(8)}`);
  }
  console.log(`peak GPU memory: ${f(result.peakGpuMiB.liveTensors)} MiB in live tensors, ${f(result.peakGpuMiB.pool)} MiB held by TF.js's buffer pool`);
}
x.dispose();
tf.dispose(inputs);
