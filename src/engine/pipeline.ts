// decode → (scale) → engine → encode → mux, one frame at a time.
//
// The pipeline holds at most a handful of frames (the engine's 2-frame delay
// plus the one being decoded), writes the output as it goes, and checks its
// AbortSignal between frames. It talks to the media layer and the engine
// through the small interfaces below (`MediaDeps`, `EngineDeps`); worker.ts
// wires the real ones, tests can pass fakes.
import type { AudioOutcome, FramePair, Passes, ProgressInfo, RunOptions, RunResult, Size, UserError, VideoInfo } from './protocol';
import { FRAME_POST_INTERVAL_MS, PASS_NAMES } from './protocol';
import { CENTRE } from '../model/network';
import { FrameConverter, rgbaToRgbFloat, rgbaToVideoFrame, rgbFloatToRgba } from '../media/frame-convert';

// ---- what the pipeline needs from the media layer and the engine ---------

export interface ProbeFacts {
  width: number;
  height: number;
  rotation: number;
  frameCount: number;
  durationSeconds: number;
  /** Input codec in plain words. */
  videoCodec: string;
  /** Input audio in plain words, null when none. */
  audio: string | null;
}

export interface SourceFrame {
  frame: VideoFrame;
  /** Seconds. */
  timestamp: number;
  /** Seconds. */
  duration: number;
}

export interface FrameWriter {
  /** Encodes one frame (the caller closes `frame` afterwards). */
  add(frame: VideoFrame, timestamp: number, duration: number): Promise<void>;
  finish(): Promise<{ blob: Blob; videoCodec: string; audio: AudioOutcome }>;
  /** Discards everything written so far. */
  cancel(): Promise<void>;
}

export interface MediaDeps {
  probe(file: File, signal: AbortSignal): Promise<ProbeFacts>;
  /** Decoded frames `first..last` (inclusive, indices in presentation order; `last` omitted: to the end), or all. */
  frames(file: File, signal: AbortSignal, range?: { first: number; last?: number }): AsyncIterable<SourceFrame>;
  createWriter(file: File, options: { width: number; height: number; rotation: number; fps: number; signal: AbortSignal }): Promise<FrameWriter>;
  /** Plain-words error for a media failure, or null if `e` is not one the media layer knows. */
  toUserError(e: unknown): UserError | null;
}

/** A sliding-window restorer: frames in, restored frames out, in order, with a delay. */
export interface Restorer {
  /** `rgb` is [h, w, 3] in [0, 1]. Returns the restored frames that became ready (same layout). */
  push(rgb: Float32Array): Promise<Float32Array[]>;
  /** Returns the frames still held back. */
  flush(): Promise<Float32Array[]>;
  dispose(): void;
}

export interface EngineDeps {
  /** Largest width × height the GPU can restore (null when there is no WebGPU). */
  maxPixels(): Promise<number | null>;
  /**
   * A restorer for frames of `size` with the model and passes of `options`; the
   * first `contextFrames` (0..2) frames pushed only fill the window (a resume
   * re-primes it with them).
   */
  createRestorer(options: Pick<RunOptions, 'modelId' | 'passes'>, size: Size, signal: AbortSignal, contextFrames?: number): Promise<Restorer>;
  /** Set once the GPU device is lost (the next createRestorer reconnects, or fails in plain words). */
  deviceLost(): boolean;
  /** Test hook: destroy the device (simulates a lost GPU). */
  loseDevice(): void;
  /** Test hook: the restorer's next step also asks for one buffer of the device's maxBufferSize (SwiftShader cannot allocate it). */
  exhaustMemory(): void;
  /** A warning the page shows next to the video facts, or null. */
  note(): string | null;
}

export interface Deps {
  media: MediaDeps;
  engine: EngineDeps;
}

export interface RunHooks {
  progress(p: ProgressInfo): void;
  /** Takes ownership of the bitmaps (the worker transfers them). */
  frames(pair: FramePair): void;
}

// ---- errors ---------------------------------------------------------------

export class PipelineError extends Error {
  readonly user: UserError;
  constructor(user: UserError) {
    super(user.message);
    this.name = 'PipelineError';
    this.user = user;
  }
}

export class Cancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'Cancelled';
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function checkAbort(signal: AbortSignal): void {
  if (signal.aborted) throw new Cancelled();
}

/** The GPU device was lost mid-run: the frames done so far are kept and the run can go on from the next one. */
export function deviceLostError(framesDone: number): UserError {
  const frames = `${framesDone} frame${framesDone === 1 ? '' : 's'}`;
  return {
    code: 'device-lost',
    title: 'The GPU stopped responding',
    message:
      `The graphics card was reset or taken away from the browser after ${frames} ` +
      '(a driver update, another program, or the computer going to sleep can do this). ' +
      `The ${frames} already restored ${framesDone === 1 ? 'is' : 'are'} kept: Resume carries on from frame ${framesDone + 1} on a fresh GPU connection.`,
    canRestart: true,
    resumeFrom: framesDone,
    framesDone,
  };
}

/**
 * The GPU could not allocate what restoring `size` frames in `passes` passes
 * needs. Offers fewer passes (when there are any to drop), frames with half
 * the pixels, and starting again (other tabs and programs may free memory).
 */
export function gpuMemoryError(size: Size, passes: Passes): UserError {
  const smaller = halfThePixels(size);
  const work = `Restoring ${size.width}×${size.height} frames${passes > 1 ? ` at ${PASS_NAMES[passes]} quality (${passes} passes)` : ''}`;
  const fewer = passes > 1 ? `choose ${PASS_NAMES[1]} quality (1 pass instead of ${passes} needs less memory), or ` : '';
  return {
    code: 'gpu-memory',
    title: 'Your GPU ran out of memory',
    message:
      `${work} needs more GPU memory than the browser could get, so nothing was kept. ` +
      `To go on, ${fewer}scale the video down to ${smaller.width}×${smaller.height}; ` +
      'closing other tabs and programs that use the GPU can also help before you start again.',
    downscaleTo: smaller,
    canRestart: true,
  };
}

const PREVIEW_DEVICE_LOST: UserError = {
  code: 'device-lost',
  title: 'The GPU stopped responding',
  message:
    'The graphics card was reset or taken away from the browser while Unblur was restoring the preview. ' +
    'Try the preview again: Unblur connects to the GPU afresh.',
};

const ZERO_FRAMES: UserError = {
  code: 'zero-frames',
  title: 'This video has no frames',
  message: 'The file has a video track, but it contains no pictures to restore.',
};

// ---- sizes ---------------------------------------------------------------

/** Bytes of GPU buffer per full-resolution pixel of the largest activation (32 float32 channels). */
export const BYTES_PER_PIXEL_ESTIMATE = 32 * 4;

/** Largest frame the GPU can hold, from its buffer binding limit. */
export function maxPixelsFromLimit(maxStorageBufferBindingSize: number, bytesPerPixel = BYTES_PER_PIXEL_ESTIMATE): number {
  return Math.max(1, Math.floor(maxStorageBufferBindingSize / bytesPerPixel));
}

/** The largest even-sized frame with the same aspect ratio and at most `maxPixels` pixels. */
export function downscaleSize(width: number, height: number, maxPixels: number): Size {
  if (width * height <= maxPixels) return { width, height };
  let scale = Math.sqrt(maxPixels / (width * height));
  for (;;) {
    const w = Math.max(2, Math.floor((width * scale) / 2) * 2);
    const h = Math.max(2, Math.floor((height * scale) / 2) * 2);
    if (w * h <= maxPixels || (w === 2 && h === 2)) return { width: w, height: h };
    scale *= 0.99;
  }
}

/** What to suggest after the GPU ran out of memory at `size`: the largest even size with half its pixels. */
export function halfThePixels(size: Size): Size {
  return downscaleSize(size.width, size.height, Math.floor((size.width * size.height) / 2));
}

// ---- pixels --------------------------------------------------------------

function bitmapOf(rgba: Uint8ClampedArray<ArrayBuffer>, size: Size): Promise<ImageBitmap> {
  return createImageBitmap(new ImageData(rgba, size.width, size.height));
}

// ---- open ------------------------------------------------------------------

export async function openVideo(deps: Deps, file: File, limitOverride: number | null, signal: AbortSignal): Promise<VideoInfo> {
  const facts = await deps.media.probe(file, signal);
  if (facts.frameCount === 0) throw new PipelineError(ZERO_FRAMES);
  const gpuMax = await deps.engine.maxPixels();
  const maxPixels = Math.min(gpuMax ?? Number.MAX_SAFE_INTEGER, limitOverride ?? Number.MAX_SAFE_INTEGER);
  const fits = facts.width * facts.height <= maxPixels;
  return {
    width: facts.width,
    height: facts.height,
    rotation: facts.rotation,
    frameCount: facts.frameCount,
    durationSeconds: facts.durationSeconds,
    fps: facts.durationSeconds > 0 ? facts.frameCount / facts.durationSeconds : 0,
    videoCodec: facts.videoCodec,
    audio: facts.audio,
    maxPixels,
    downscaleTo: fits ? null : downscaleSize(facts.width, facts.height, maxPixels),
    engineNote: deps.engine.note(),
  };
}

// ---- run -------------------------------------------------------------------

interface Held {
  index: number;
  timestamp: number;
  duration: number;
  rgba: Uint8ClampedArray<ArrayBuffer>;
}

function sizeFor(facts: ProbeFacts, options: RunOptions): Size {
  return options.scaleTo ?? { width: facts.width, height: facts.height };
}

/** A run between its start and its MP4: what a resume after a lost GPU needs. */
export interface RunState {
  readonly file: File;
  readonly options: RunOptions;
  readonly facts: ProbeFacts;
  readonly size: Size;
  readonly writer: FrameWriter;
  /** Seconds spent working on it so far (the pause after a lost GPU not counted). */
  seconds: number;
  /** Frames restored and written so far (frames 0..done−1). */
  done: number;
}

/** The GPU was lost mid-run; `state` (with its open writer) can be resumed with `resumeVideo`. */
export class RunSuspended extends PipelineError {
  readonly state: RunState;
  constructor(state: RunState) {
    super(deviceLostError(state.done));
    this.name = 'RunSuspended';
    this.state = state;
  }
}

/** Restores the whole video. Throws Cancelled, RunSuspended (lost GPU) or PipelineError. */
export async function runVideo(deps: Deps, file: File, options: RunOptions, signal: AbortSignal, hooks: RunHooks): Promise<RunResult> {
  const started = performance.now();
  const facts = await deps.media.probe(file, signal);
  if (facts.frameCount === 0) throw new PipelineError(ZERO_FRAMES);
  const size = sizeFor(facts, options);
  hooks.progress({ stage: 'model', done: 0, total: facts.frameCount, fps: 0, etaSeconds: null });
  const writer = await deps.media.createWriter(file, {
    width: size.width,
    height: size.height,
    rotation: facts.rotation,
    fps: facts.durationSeconds > 0 ? facts.frameCount / facts.durationSeconds : 30,
    signal,
  });
  const state: RunState = { file, options, facts, size, writer, seconds: (performance.now() - started) / 1000, done: 0 };
  return continueRun(deps, state, signal, hooks);
}

/**
 * Carries a suspended run on from the frame it reached: a new GPU device and
 * model (createRestorer reconnects), the window re-primed with the two frames
 * before that frame, and the same writer, so the finished MP4 is the one an
 * unbroken run would give. If no device can be had, the writer is dropped.
 */
export async function resumeVideo(deps: Deps, state: RunState, signal: AbortSignal, hooks: RunHooks): Promise<RunResult> {
  hooks.progress({ stage: 'model', done: state.done, total: state.facts.frameCount, fps: 0, etaSeconds: null });
  return continueRun(deps, state, signal, hooks);
}

/** Decodes from frame `state.done − CENTRE` (2), restores and writes frames `state.done…`, finishes the MP4. */
async function continueRun(deps: Deps, state: RunState, signal: AbortSignal, hooks: RunHooks): Promise<RunResult> {
  const { file, options, facts, size, writer } = state;
  const total = facts.frameCount;
  const resumeAt = state.done;
  // The window needs the CENTRE frames before the resume point as context.
  const first = Math.max(0, resumeAt - CENTRE);
  let restorer: Restorer | null = null;
  let keepWriter = false;
  const runStart = performance.now();
  try {
    restorer = await deps.engine.createRestorer(options, size, signal, resumeAt - first);
    checkAbort(signal);
    const converter = new FrameConverter();
    const held: Held[] = [];
    let decoded = first;
    let lastPost = -Infinity;
    const times: number[] = [];

    const emit = async (restored: Float32Array) => {
      const meta = held.shift();
      if (!meta) throw new Error('the engine returned more frames than it was given');
      const rgba = rgbFloatToRgba(restored);
      const frame = rgbaToVideoFrame(rgba, size.width, size.height, meta.timestamp, meta.duration);
      try {
        await writer.add(frame, meta.timestamp, meta.duration);
      } finally {
        frame.close();
      }
      state.done += 1;
      const done = state.done;
      const now = performance.now();
      times.push(now);
      if (times.length > 8) times.shift();
      const fps =
        times.length >= 2 ? ((times.length - 1) * 1000) / (times[times.length - 1]! - times[0]!) : (done - resumeAt) / Math.max(1e-3, (now - runStart) / 1000);
      hooks.progress({ stage: 'frames', done, total: Math.max(total, done), fps, etaSeconds: fps > 0 ? Math.max(0, total - done) / fps : null });
      if (now - lastPost >= FRAME_POST_INTERVAL_MS || done === total) {
        lastPost = now;
        const [blurred, restoredBitmap] = await Promise.all([bitmapOf(meta.rgba, size), bitmapOf(rgba, size)]);
        hooks.frames({ index: meta.index, time: meta.timestamp, blurred, restored: restoredBitmap });
      }
      if (options.loseDeviceAfter !== undefined && done === options.loseDeviceAfter) deps.engine.loseDevice();
      if (options.exhaustMemoryAfter !== undefined && done === options.exhaustMemoryAfter) deps.engine.exhaustMemory();
      if (options.frameDelayMs) await sleep(options.frameDelayMs, signal);
    };

    const guard = () => {
      checkAbort(signal);
      if (deps.engine.deviceLost()) throw new RunSuspended(state);
    };

    for await (const sf of deps.media.frames(file, signal, first > 0 ? { first } : undefined)) {
      let rgba: Uint8ClampedArray<ArrayBuffer>;
      try {
        guard();
        rgba = converter.toRgba(sf.frame, size.width, size.height);
      } finally {
        sf.frame.close();
      }
      // Frames before the resume point only refill the window.
      if (decoded >= resumeAt) held.push({ index: decoded, timestamp: sf.timestamp, duration: sf.duration, rgba });
      decoded += 1;
      const outs = await restorer.push(rgbaToRgbFloat(rgba));
      guard();
      for (const out of outs) {
        await emit(out);
        guard();
      }
    }
    if (decoded === 0) throw new PipelineError(ZERO_FRAMES);
    const rest = await restorer.flush();
    guard();
    for (const out of rest) {
      await emit(out);
      guard();
    }
    hooks.progress({ stage: 'finishing', done: state.done, total: state.done, fps: 0, etaSeconds: 0 });
    const out = await writer.finish();
    keepWriter = true;
    return {
      file: out.blob,
      width: size.width,
      height: size.height,
      frames: state.done,
      durationSeconds: facts.durationSeconds,
      videoCodec: out.videoCodec,
      audio: out.audio,
      seconds: state.seconds + (performance.now() - runStart) / 1000,
    };
  } catch (e) {
    if (restorer && !(e instanceof Cancelled) && deps.engine.deviceLost()) {
      // The writer stays open for resumeVideo.
      keepWriter = true;
      state.seconds += (performance.now() - runStart) / 1000;
      throw e instanceof RunSuspended ? e : new RunSuspended(state);
    }
    throw e;
  } finally {
    if (!keepWriter) await writer.cancel().catch(() => undefined);
    try {
      restorer?.dispose();
    } catch (e) {
      // Its tensors may have gone with a lost device; nothing else to free.
      console.warn('[unblur] disposing the engine:', e);
    }
  }
}

// ---- preview ---------------------------------------------------------------

/** Decodes the 5-frame window around `index` and restores that one frame. */
export async function previewFrame(deps: Deps, file: File, index: number, options: RunOptions, signal: AbortSignal): Promise<FramePair> {
  const facts = await deps.media.probe(file, signal);
  if (facts.frameCount === 0) throw new PipelineError(ZERO_FRAMES);
  const size = sizeFor(facts, options);
  const i = Math.max(0, Math.min(facts.frameCount - 1, Math.round(index)));
  const first = Math.max(0, i - 2);
  const last = Math.min(facts.frameCount - 1, i + 2);
  const restorer = await deps.engine.createRestorer(options, size, signal);
  try {
    const converter = new FrameConverter();
    let k = first;
    let target: { rgba: Uint8ClampedArray<ArrayBuffer>; time: number } | null = null;
    let outIndex = first;
    let result: Float32Array | null = null;
    const take = (outs: Float32Array[]) => {
      for (const o of outs) {
        if (outIndex === i) result = o;
        outIndex += 1;
      }
    };
    for await (const sf of deps.media.frames(file, signal, { first, last })) {
      let rgba: Uint8ClampedArray<ArrayBuffer>;
      try {
        checkAbort(signal);
        rgba = converter.toRgba(sf.frame, size.width, size.height);
      } finally {
        sf.frame.close();
      }
      if (k === i) target = { rgba, time: sf.timestamp };
      k += 1;
      take(await restorer.push(rgbaToRgbFloat(rgba)));
      checkAbort(signal);
      if (deps.engine.deviceLost()) throw new PipelineError(PREVIEW_DEVICE_LOST);
      if (k > last) break;
    }
    if (!target) throw new PipelineError(ZERO_FRAMES);
    if (result === null) take(await restorer.flush());
    checkAbort(signal);
    if (result === null) throw new Error('the engine returned no frame for the preview');
    const [blurred, restored] = await Promise.all([bitmapOf(target.rgba, size), bitmapOf(rgbFloatToRgba(result), size)]);
    return { index: i, time: target.time, blurred, restored };
  } finally {
    restorer.dispose();
  }
}
