// The quality passes: 2 and 4 mirrored passes against training.evaluate's
// `--passes` on the same frames (fixture written by `training.export --golden`),
// and no GPU memory left behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { gpuBytes, useWebGPU } from '../gpu/kernels/test-util';
import { disposeModel, type LoadedModel, type Network } from '../model';
import { loadFixtureModel, readTensorFile } from '../model/test-fixtures';
import { SelfEnsemble } from './self-ensemble';
import type { Passes } from './protocol';

let model: LoadedModel;
let net: Network;

beforeAll(async () => {
  await useWebGPU();
  ({ model, net } = await loadFixtureModel('base'));
});
afterAll(() => disposeModel(model));

function readFixture() {
  const { tensors } = readTensorFile('clip', 'base');
  const get = (name: string) => tensors.get(name)!;
  return { blur: get('blur4'), restored: { 2: get('restored2').data, 4: get('restored4').data } };
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

async function run(passes: Passes, blur: Float32Array, [frames, h, w]: number[]) {
  const per = h * w * 3;
  const eng = new SelfEnsemble(net, h, w, 0, passes);
  const outs: tf.Tensor3D[] = [];
  for (let t = 0; t < frames; t++) {
    const x = tf.tensor3d(blur.subarray(t * per, (t + 1) * per), [h, w, 3]);
    const ready = eng.push(x);
    x.dispose();
    expect(ready.length).toBe(t >= 2 ? 1 : 0);
    expect(eng.cached).toBeLessThanOrEqual(5 * passes);
    outs.push(...ready);
  }
  outs.push(...eng.flush());
  eng.dispose();
  const data = await Promise.all(outs.map((o) => o.data() as Promise<Float32Array>));
  tf.dispose(outs);
  return data;
}

describe('SelfEnsemble', () => {
  // One test per pass count: each runs the network 12 or 16 times on SwiftShader.
  it.each([2, 4] as const)('%i passes restore as training.evaluate --passes does (every frame within 2e-3)', async (passes) => {
    const { blur, restored } = readFixture();
    const [frames, h, w] = blur.shape as [number, number, number, number];
    expect(h % 16).not.toBe(0); // padding after the mirroring is exercised
    expect(w % 16).not.toBe(0);
    const per = h * w * 3;
    const got = await run(passes, blur.data, [frames, h, w]);
    expect(got.length).toBe(frames);
    const errs = got.map((g, t) => maxDiff(g, restored[passes].subarray(t * per, (t + 1) * per)));
    console.log(`${passes} passes, max |diff| per frame:`, errs.map((e) => e.toExponential(1)).join(' '));
    for (const e of errs) expect(e).toBeLessThanOrEqual(2e-3);
    if (passes === 2) {
      // The passes change the result by far more than the tolerance, so a wrong mirroring would fail.
      const one = await run(1, blur.data, [frames, h, w]);
      const fromOne = Math.max(...got.map((g, t) => maxDiff(g, one[t]!)));
      console.log('2 passes vs 1, max |diff|:', fromOne.toExponential(1));
      expect(fromOne).toBeGreaterThan(1e-2);
    }
  });

  it('frees every tensor on dispose and rejects a pass count it does not have', () => {
    const frame = tf.randomUniform([16, 16, 3], 0, 1, 'float32', 3) as tf.Tensor3D;
    const use = () => {
      const eng = new SelfEnsemble(net, 16, 16, 0, 2);
      for (let t = 0; t < 3; t++) tf.dispose(eng.push(frame));
      tf.dispose(eng.flush());
      eng.dispose();
    };
    use(); // warm-up: uploads the frame and lets TF.js make its cached constants
    const start = { tensors: tf.memory().numTensors, bytes: gpuBytes() };
    use();
    expect({ tensors: tf.memory().numTensors, bytes: gpuBytes() }).toEqual(start);
    expect(() => new SelfEnsemble(net, 16, 16, 0, 3 as Passes)).toThrow(/passes must be one of 1, 2, 4, got 3/);
    frame.dispose();
  });
});
