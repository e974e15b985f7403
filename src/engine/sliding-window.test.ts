// The sliding-window engine: window indices, edge padding, whole-clip parity
// with training.evaluate (fixture written by `training.export --golden`), and
// flat GPU memory over a long stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { gpuBytes, useWebGPU } from '../gpu/kernels/test-util';
import { disposeModel, type LoadedModel, type Network } from '../model';
import { FIXTURE_MODELS, loadFixtureModel, readTensorFile, type FixtureModel } from '../model/test-fixtures';
import { padReplicate, SlidingWindow, windowIndices } from './sliding-window';

const models = {} as Record<FixtureModel, { model: LoadedModel; net: Network }>;
let net: Network; // the shipped base

beforeAll(async () => {
  await useWebGPU();
  for (const id of FIXTURE_MODELS) models[id] = await loadFixtureModel(id);
  net = models.base.net;
});
afterAll(() => Object.values(models).forEach(({ model }) => disposeModel(model)));

describe('windowIndices', () => {
  it('repeats the first and last frame at the clip ends', () => {
    expect(windowIndices(0, 10)).toEqual([0, 0, 0, 1, 2]);
    expect(windowIndices(1, 10)).toEqual([0, 0, 1, 2, 3]);
    expect(windowIndices(5, 10)).toEqual([3, 4, 5, 6, 7]);
    expect(windowIndices(9, 10)).toEqual([7, 8, 9, 9, 9]);
    expect(windowIndices(0, 1)).toEqual([0, 0, 0, 0, 0]);
    expect(windowIndices(1, 2)).toEqual([0, 0, 1, 1, 1]);
  });
});

describe('padReplicate', () => {
  it('repeats the last row and column up to a multiple of 16', async () => {
    // 2×3 single-channel map: rows [1 2 3], [4 5 6] → 16×16
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]);
    const y = padReplicate(x);
    expect(y.shape).toEqual([1, 16, 16, 1]);
    const v = (await y.array())[0].map((row) => row.map((c) => c[0]));
    expect(v[0].slice(0, 5)).toEqual([1, 2, 3, 3, 3]);
    expect(v[1].slice(0, 5)).toEqual([4, 5, 6, 6, 6]);
    expect(v[15].slice(0, 5)).toEqual([4, 5, 6, 6, 6]);
    expect(v[15][15]).toBe(6);
    tf.dispose([x, y]);
  });
  it('copies a map that needs no padding', () => {
    const x = tf.zeros([1, 16, 32, 3]) as tf.Tensor4D;
    const y = padReplicate(x);
    expect(y.shape).toEqual([1, 16, 32, 3]);
    expect(y).not.toBe(x);
    tf.dispose([x, y]);
  });
});

function readClip(id: FixtureModel = 'base') {
  const { header, tensors } = readTensorFile<{ frames: number; height: number; width: number }>('clip', id);
  return { ...header, blur: tensors.get('blur')!.data, restored: tensors.get('restored')!.data };
}

describe('SlidingWindow', () => {
  it.each(FIXTURE_MODELS)('%s: restores a whole clip as training.evaluate does (every frame within 2e-3)', async (id) => {
    const clip = readClip(id);
    const { net } = models[id];
    expect(clip.height % 16).not.toBe(0); // the fixture exercises padding and cropping
    const { frames, height: h, width: w } = clip;
    const per = h * w * 3;
    const eng = new SlidingWindow(net, h, w);
    const outs: tf.Tensor3D[] = [];
    for (let t = 0; t < frames; t++) {
      const x = tf.tensor3d(clip.blur.subarray(t * per, (t + 1) * per), [h, w, 3]);
      const ready = eng.push(x);
      x.dispose();
      // Output t appears when frame t + 2 is in.
      expect(ready.length).toBe(t >= 2 ? 1 : 0);
      expect(eng.cached).toBeLessThanOrEqual(5);
      outs.push(...ready);
    }
    outs.push(...eng.flush());
    expect(outs.length).toBe(frames);
    const errs: number[] = [];
    let moved = 0;
    for (let t = 0; t < frames; t++) {
      expect(outs[t].shape).toEqual([h, w, 3]);
      const got = await outs[t].data();
      const want = clip.restored.subarray(t * per, (t + 1) * per);
      const inp = clip.blur.subarray(t * per, (t + 1) * per);
      let e = 0;
      for (let i = 0; i < per; i++) {
        e = Math.max(e, Math.abs(got[i] - want[i]));
        moved = Math.max(moved, Math.abs(got[i] - inp[i]));
      }
      errs.push(e);
    }
    console.log('whole-clip parity, max |diff| per frame:', errs.map((e) => e.toExponential(1)).join(' '));
    for (const e of errs) expect(e).toBeLessThanOrEqual(2e-3);
    expect(moved).toBeGreaterThan(1e-2); // the network did change the frames
    tf.dispose(outs);
    eng.dispose();
  });

  it('resumes mid-clip: two context frames give exactly the frames of an unbroken run', async () => {
    // Engine runs are compared with each other, not with the golden clip, so a
    // 16×16 corner of it is enough and keeps the 26 network passes cheap on
    // SwiftShader (on the whole 36×52 frames it took 94 s here and ran past
    // the 120 s limit on CI).
    const clip = readClip();
    const [h, w] = [16, 16];
    const frames = clip.frames;
    const per = h * w * 3;
    const blur = new Float32Array(frames * per);
    for (let t = 0; t < frames; t++)
      for (let y = 0; y < h; y++) {
        const src = ((t * clip.height + y) * clip.width) * 3;
        blur.set(clip.blur.subarray(src, src + w * 3), t * per + y * w * 3);
      }
    const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
    const run = async (from: number, context: number) => {
      const eng = new SlidingWindow(net, h, w, context);
      const outs: tf.Tensor3D[] = [];
      for (let t = from; t < frames; t++) {
        const x = tf.tensor3d(blur.subarray(t * per, (t + 1) * per), [h, w, 3]);
        outs.push(...eng.push(x));
        x.dispose();
        expect(eng.cached).toBeLessThanOrEqual(5);
      }
      outs.push(...eng.flush());
      eng.dispose();
      const data = await Promise.all(outs.map((o) => o.data() as Promise<Float32Array>));
      tf.dispose(outs);
      return data;
    };
    const unbroken = await run(0, 0);
    for (const resumeAt of [1, 4]) {
      const from = Math.max(0, resumeAt - 2);
      const got = await run(from, resumeAt - from);
      expect(got.length).toBe(frames - resumeAt);
      got.forEach((g, k) => expect(maxDiff(g, unbroken[resumeAt + k]!)).toBeLessThanOrEqual(1e-6));
    }
    // Without the context frames, frame 4 would see a window that starts at
    // itself: measurably different on this quiet clip, so the check above can fail.
    const cold = await run(4, 0);
    const coldDiff = maxDiff(cold[0]!, unbroken[4]!);
    console.log('resume without context frames, frame 4, max |diff|:', coldDiff.toExponential(1));
    expect(coldDiff).toBeGreaterThan(5e-5);
    expect(() => new SlidingWindow(net, h, w, 3)).toThrow(/contextFrames/);
  });

  it.each(FIXTURE_MODELS)('%s: keeps GPU memory flat over 300 frames and frees everything on dispose', async (id) => {
    const { net } = models[id];
    const [h, w] = [16, 16];
    const frame = tf.randomUniform([h, w, 3], 0, 1, 'float32', 7) as tf.Tensor3D;
    // Warm-up: the first use uploads the frame and lets TF.js make its cached constants.
    const warm = new SlidingWindow(net, h, w);
    tf.dispose([...warm.push(frame), ...warm.flush()]);
    warm.dispose();
    const start = { tensors: tf.memory().numTensors, bytes: gpuBytes() };
    const eng = new SlidingWindow(net, h, w);
    let emitted = 0;
    let steady: { tensors: number; bytes: number } | null = null;
    for (let t = 0; t < 300; t++) {
      const outs = eng.push(frame);
      emitted += outs.length;
      tf.dispose(outs);
      if (t === 9) steady = { tensors: tf.memory().numTensors, bytes: gpuBytes() };
      if (t % 50 === 49) await tf.nextFrame?.();
    }
    const late = { tensors: tf.memory().numTensors, bytes: gpuBytes() };
    expect(late).toEqual(steady);
    const rest = eng.flush();
    emitted += rest.length;
    tf.dispose(rest);
    expect(emitted).toBe(300);
    eng.dispose();
    expect({ tensors: tf.memory().numTensors, bytes: gpuBytes() }).toEqual(start);
    frame.dispose();
  });

  it('rejects frames of another size and use after dispose', () => {
    const eng = new SlidingWindow(net, 16, 16);
    const wrong = tf.zeros([16, 17, 3]) as tf.Tensor3D;
    expect(() => eng.push(wrong)).toThrow(/16×17×3/);
    eng.dispose();
    const right = tf.zeros([16, 16, 3]) as tf.Tensor3D;
    expect(() => eng.push(right)).toThrow(/disposed/);
    tf.dispose([wrong, right]);
  });
});
