// Wiring of the pipeline to the media layer (src/media) and the engine
// (src/model + the sliding window), worker side only. The only file that
// knows the concrete modules; pipeline.ts talks to the interfaces in Deps.
import { CancelledError, createMp4Writer, createOutputFile, decodeFrames, MediaError, probeVideo, UnsupportedCodecError, type OutputFile } from '../media';
import { disposeModel, loadModel, ModelLoadError, Network, urlReader, type LoadedModel } from '../model';
import { gpuMemoryError, maxPixelsFromLimit, type Deps, type EngineDeps, type FrameWriter, type MediaDeps, type ProbeFacts } from './pipeline';
import type { Size, UserError } from './protocol';
import { SelfEnsemble } from './self-ensemble';
import { restartTf, startTf, tensorRestorer, type MemoryWatch, type TensorEngine, type TfGpu } from './tf-restorer';

// ---- media -------------------------------------------------------------------

function describeAudio(a: NonNullable<Awaited<ReturnType<typeof probeVideo>>['audio']>): string {
  const ch = a.channels === 1 ? 'mono' : a.channels === 2 ? 'stereo' : `${a.channels} channels`;
  return `${a.codecName}, ${Math.round(a.sampleRate / 100) / 10} kHz, ${ch}`;
}

async function probe(file: File, signal: AbortSignal): Promise<ProbeFacts> {
  const facts = await probeVideo(file, { signal, checkTruncation: true });
  // Zero frames and the resolution limit are the pipeline's own checks.
  if (!facts.canDecode) throw new UnsupportedCodecError(facts.videoCodecName);
  return {
    width: facts.codedWidth,
    height: facts.codedHeight,
    rotation: facts.rotation,
    frameCount: facts.frameCount,
    durationSeconds: facts.durationSeconds,
    videoCodec: facts.videoCodecName,
    audio: facts.audio ? describeAudio(facts.audio) : null,
  };
}

const frames: MediaDeps['frames'] = (file, signal, range) => decodeFrames(file, { signal, first: range?.first, last: range?.last });

/** Restored frames are full of fine detail: ≈ 0.25 bit per pixel, at least 1 Mbit/s. */
export function outputBitrate(width: number, height: number, fps: number): number {
  return Math.max(1_000_000, Math.round(width * height * Math.max(1, fps) * 0.25));
}

/**
 * The MP4 goes to a file on disk (OPFS, named after the page `owner`) where
 * the browser allows it, else into memory (src/media/output-file.ts).
 */
async function createWriter(
  file: File,
  o: { width: number; height: number; rotation: number; fps: number; signal: AbortSignal },
  owner: string | null,
): Promise<FrameWriter> {
  const out: OutputFile | null = owner ? await createOutputFile(owner) : null;
  let writer: Awaited<ReturnType<typeof createMp4Writer>>;
  try {
    writer = await createMp4Writer({
      width: o.width,
      height: o.height,
      frameRate: o.fps,
      rotation: o.rotation,
      audioSource: file,
      bitrate: outputBitrate(o.width, o.height, o.fps),
      signal: o.signal,
      target: out?.writable,
    });
  } catch (e) {
    await out?.remove();
    throw e;
  }
  return {
    add: (frame, timestamp, duration) => writer.addFrame(frame, timestamp, duration),
    async finish() {
      const r = await writer.finish();
      const blob = out ? await out.finish() : r.blob;
      if (!blob) throw new Error('the MP4 writer returned no file');
      return { blob, videoCodec: r.videoCodecName, audio: r.audio };
    },
    async cancel() {
      try {
        await writer.cancel();
      } finally {
        await out?.remove();
      }
    },
  };
}

function mediaDeps(outputOwner: () => string | null): MediaDeps {
  return {
    probe,
    frames,
    createWriter: (file, o) => createWriter(file, o, outputOwner()),
    toUserError(e) {
      if (e instanceof MediaError) {
        // The pipeline reports cancellation itself; a CancelledError is not a user-facing error.
        if (e instanceof CancelledError) return null;
        return e.toUser() as UserError;
      }
      return null;
    },
  };
}

// ---- engine ------------------------------------------------------------------

/** Fails engine set-up with a message the page shows as is. */
export class EngineProblem extends Error {
  readonly user: UserError;
  constructor(user: UserError, options?: { cause?: unknown }) {
    super(user.message, options);
    this.name = 'EngineProblem';
    this.user = user;
  }
}

function modelProblem(id: string, e: unknown): EngineProblem {
  const detail = e instanceof ModelLoadError ? ` (${e.message})` : '';
  return new EngineProblem(
    {
      code: 'model',
      title: 'The deblurring model could not be loaded',
      message: `Unblur could not load its "${id}" model${detail}. Check the connection and reload the page; if it keeps happening, the app's files are incomplete.`,
    },
    { cause: e },
  );
}

const GPU_GONE: UserError = {
  code: 'device-lost',
  title: 'The GPU stopped responding',
  message:
    'The graphics card was reset or taken away from the browser, and Unblur could not reconnect to it, ' +
    'so the work in progress was not kept. Start again in a moment; if it keeps happening, reload the page.',
  canRestart: true,
};

const NO_WEBGPU: UserError = {
  code: 'no-webgpu',
  title: 'This browser gives Unblur no GPU',
  message: 'Restoring frames needs WebGPU, which this browser does not offer right now.',
};

async function engineDeps(): Promise<EngineDeps & { toUserError(e: unknown): UserError | null }> {
  let gpu: TfGpu | null = null;
  let forcedLost = false;
  /** Set when an allocation failed: TF.js may have pooled the invalid buffers, so the next restorer starts on a fresh device. */
  let memoryFailed = false;
  /** Test hook (exhaustMemory): the next engine step asks for more memory than SwiftShader gives. */
  let askTooMuch = false;
  try {
    gpu = await startTf();
  } catch {
    gpu = null;
  }
  const models = new Map<string, Promise<{ model: LoadedModel; net: Network }>>();
  /** A new device after a loss. The weights lived on the old device: drop them
   * (bookkeeping only, the buffers went with the device); they load again on demand. */
  const recover = async () => {
    const old = [...models.values()];
    models.clear();
    for (const p of old) await p.then(({ model }) => disposeModel(model)).catch(() => undefined);
    gpu = await restartTf();
    forcedLost = false;
    memoryFailed = false;
  };
  const modelFor = (id: string) => {
    let p = models.get(id);
    if (!p) {
      if (!/^[a-z0-9][a-z0-9_-]*$/i.test(id)) return Promise.reject(modelProblem(id, new ModelLoadError('format', 'bad model id')));
      p = loadModel(urlReader(new URL(`${import.meta.env.BASE_URL}models/${id}/`, self.location.href)))
        .then((model) => ({ model, net: new Network(model) }))
        .catch((e: unknown) => {
          models.delete(id);
          throw modelProblem(id, e);
        });
      models.set(id, p);
    }
    return p;
  };
  return {
    async maxPixels() {
      if (!gpu) return null;
      const l = gpu.device.limits;
      return maxPixelsFromLimit(Math.min(l.maxStorageBufferBindingSize, l.maxBufferSize));
    },
    async createRestorer({ modelId, passes }, size: Size, signal: AbortSignal, contextFrames = 0) {
      if (gpu && memoryFailed && !gpu.isLost()) gpu.device.destroy(); // frees every buffer, the invalid ones too
      if (gpu && (forcedLost || memoryFailed || gpu.isLost())) {
        try {
          await recover();
        } catch (e) {
          throw new EngineProblem(GPU_GONE, { cause: e });
        }
      }
      if (!gpu) throw new EngineProblem(NO_WEBGPU);
      const { net } = await modelFor(modelId);
      if (signal.aborted) throw new CancelledError();
      const memory: MemoryWatch = {
        device: gpu.device,
        onOutOfMemory(e) {
          memoryFailed = true;
          return new EngineProblem(gpuMemoryError(size, passes), { cause: e });
        },
      };
      const ensemble = new SelfEnsemble(net, size.height, size.width, contextFrames, passes);
      const device = gpu.device;
      const engine: TensorEngine = {
        push(frame) {
          if (askTooMuch) {
            askTooMuch = false;
            device.createBuffer({ size: device.limits.maxBufferSize, usage: GPUBufferUsage.STORAGE }).destroy();
          }
          return ensemble.push(frame);
        },
        flush: () => ensemble.flush(),
        dispose: () => ensemble.dispose(),
      };
      return tensorRestorer(engine, size, true, memory);
    },
    deviceLost: () => forcedLost || (gpu?.isLost() ?? false),
    loseDevice() {
      // destroy() resolves device.lost a little later; the pipeline should stop at once.
      forcedLost = true;
      gpu?.device.destroy();
    },
    exhaustMemory() {
      askTooMuch = true;
    },
    note: () => null,
    toUserError: (e) => (e instanceof EngineProblem ? e.user : null),
  };
}

/** `outputOwner`: the page's id, for the output files' names (null: keep the output in memory). */
export async function createDeps(options: { outputOwner?: () => string | null } = {}): Promise<Deps> {
  return { media: mediaDeps(options.outputOwner ?? (() => null)), engine: await engineDeps() };
}

