// What the buttons do: open a file, preview a frame, run, cancel, download.
// Talks to the engine worker only through src/engine/client.ts (no TF.js or
// media code here). Keeps the File object and the abort controllers outside
// the store.
import { CancelledError, EngineCallError, EngineClient } from '../engine/client';
import type { FramePair, ModelChoice, OpenLimits, ProgressInfo, RunOptions, RunResult, UserError } from '../engine/protocol';
import { outputName } from './format';
import { framesStore, HISTORY_MAX_WIDTH } from './frames';
import { appStore, type FileLike } from './store';

let client: EngineClient | null = null;
let currentFile: File | null = null;
let openAbort: AbortController | null = null;
let previewAbort: AbortController | null = null;
let runAbort: AbortController | null = null;
/** Serialises frame handling so bitmaps are copied before the next pair replaces them. */
let frameChain: Promise<void> = Promise.resolve();
/** The lost-device and out-of-memory test hooks fire on the first run only, so "Start again" can succeed. */
let deviceLossUsed = false;
let memoryHookUsed = false;

function engine(): EngineClient {
  client ??= new EngineClient();
  return client;
}

/**
 * Test hooks from the page URL: `?maxPixels=6000` lowers the GPU size limit,
 * `?loseDeviceAfter=4` simulates a lost GPU (first run of the page only),
 * `?exhaustMemoryAfter=2` a failed GPU allocation (SwiftShader; first run only),
 * `?frameDelayMs=300` slows every frame down (to test Cancel).
 */
export function testHooks(search: string = globalThis.location?.search ?? ''): {
  maxPixels: number | null;
  loseDeviceAfter: number | undefined;
  exhaustMemoryAfter: number | undefined;
  frameDelayMs: number | undefined;
} {
  const q = new URLSearchParams(search);
  const num = (k: string): number | undefined => {
    const v = q.get(k);
    if (v === null || v === '') return undefined;
    const n = Number(v);
    return Number.isFinite(n) && n > 0 ? Math.floor(n) : undefined;
  };
  return {
    maxPixels: num('maxPixels') ?? null,
    loseDeviceAfter: num('loseDeviceAfter'),
    exhaustMemoryAfter: num('exhaustMemoryAfter'),
    frameDelayMs: num('frameDelayMs'),
  };
}

function errorOf(e: unknown): UserError {
  if (e instanceof EngineCallError) return e.user;
  return {
    code: 'internal',
    title: 'Something went wrong',
    message: 'Unblur hit an unexpected problem. Try again, or reload the page.',
  };
}

function revokeResult(): void {
  const r = appStore.getState().result;
  if (r) URL.revokeObjectURL(r.url);
  appStore.getState().setResult(null);
}

function abortAll(): void {
  client?.discard(); // a run a lost GPU interrupted is of no use any more
  openAbort?.abort();
  previewAbort?.abort();
  runAbort?.abort();
  openAbort = previewAbort = runAbort = null;
}

/** A file was dropped or picked: keep the first, open it in the worker. */
export function pickFiles(files: ArrayLike<FileLike> | null | undefined): void {
  const facts = appStore.getState().pickFiles(files);
  if (!facts || !files) return;
  abortAll();
  revokeResult();
  framesStore.getState().reset();
  const file = files[0] as File;
  currentFile = file;
  void openFile(file);
}

async function openFile(file: File): Promise<void> {
  const ac = new AbortController();
  openAbort = ac;
  const limits: OpenLimits = { maxPixels: testHooks().maxPixels };
  try {
    const info = await engine().open(file, limits, ac.signal);
    if (currentFile !== file) return;
    appStore.getState().setInfo(info);
    if (info.downscaleTo) {
      appStore.getState().fail(
        {
          code: 'too-large',
          title: 'This video is too large for your GPU',
          message:
            `Its frames are ${info.width}×${info.height} pixels; this GPU can restore frames of at most ` +
            `${info.maxPixels.toLocaleString('en-US')} pixels. Unblur can scale the video down to ` +
            `${info.downscaleTo.width}×${info.downscaleTo.height} first; the result will have that smaller size.`,
          downscaleTo: info.downscaleTo,
        },
        'ready',
      );
    }
  } catch (e) {
    if (e instanceof CancelledError || currentFile !== file) return;
    appStore.getState().fail(errorOf(e), 'error');
  } finally {
    if (openAbort === ac) openAbort = null;
  }
}

/** Forgets the current file (the drop zone's Clear button). */
export function clearFile(): void {
  abortAll();
  revokeResult();
  framesStore.getState().reset();
  currentFile = null;
  appStore.getState().clearFile();
}

/** The user accepted the offer to scale a too-large video down. */
export function acceptDownscale(): void {
  const s = appStore.getState();
  const to = s.error?.downscaleTo ?? s.info?.downscaleTo;
  if (!to) return;
  s.setScaleTo(to);
  s.clearError();
}

function noWebGPU(): UserError | null {
  const gpu = appStore.getState().gpu;
  if (gpu.kind === 'ready' || gpu.kind === 'checking') return null;
  return {
    code: 'no-webgpu',
    title: 'This browser gives Unblur no GPU',
    message: 'Restoring frames needs WebGPU, which this browser does not offer right now. Here is how to get it:',
  };
}

function runOptions(): RunOptions | null {
  const s = appStore.getState();
  if (!s.info) return null;
  if (s.info.downscaleTo && !s.scaleTo) {
    // Still too large: show the offer again.
    acceptOfferAgain();
    return null;
  }
  const opts: RunOptions = { modelId: s.modelId, passes: s.passes, scaleTo: s.scaleTo };
  const hooks = testHooks();
  if (hooks.loseDeviceAfter !== undefined && !deviceLossUsed) opts.loseDeviceAfter = hooks.loseDeviceAfter;
  if (hooks.exhaustMemoryAfter !== undefined && !memoryHookUsed) opts.exhaustMemoryAfter = hooks.exhaustMemoryAfter;
  if (hooks.frameDelayMs !== undefined) opts.frameDelayMs = hooks.frameDelayMs;
  return opts;
}

function acceptOfferAgain(): void {
  const s = appStore.getState();
  if (!s.info?.downscaleTo) return;
  s.fail(
    {
      code: 'too-large',
      title: 'This video is too large for your GPU',
      message: `Scale it down to ${s.info.downscaleTo.width}×${s.info.downscaleTo.height} to restore it on this GPU.`,
      downscaleTo: s.info.downscaleTo,
    },
    'ready',
  );
}

async function scaledCopy(bitmap: ImageBitmap): Promise<ImageBitmap> {
  if (bitmap.width <= HISTORY_MAX_WIDTH) return createImageBitmap(bitmap);
  const w = HISTORY_MAX_WIDTH;
  const h = Math.max(1, Math.round((bitmap.height * w) / bitmap.width));
  return createImageBitmap(bitmap, { resizeWidth: w, resizeHeight: h, resizeQuality: 'medium' });
}

function onRunFrames(pair: FramePair, runId: AbortController): void {
  frameChain = frameChain.then(async () => {
    if (runAbort !== runId) {
      pair.blurred.close();
      pair.restored.close();
      return;
    }
    try {
      const [b, r] = await Promise.all([scaledCopy(pair.blurred), scaledCopy(pair.restored)]);
      framesStore.getState().remember({ index: pair.index, time: pair.time, blurred: b, restored: r, source: 'run' });
    } catch {
      /* a history copy is optional */
    }
    framesStore.getState().show({ ...pair, source: 'run' });
  });
}

/** Restores the whole video. */
export async function startRun(): Promise<void> {
  const s = appStore.getState();
  if (!currentFile || !s.info || s.phase === 'running') return;
  const gpuError = noWebGPU();
  if (gpuError) {
    s.fail(gpuError, 'ready');
    return;
  }
  const options = runOptions();
  if (!options) return;
  if (options.loseDeviceAfter !== undefined) deviceLossUsed = true;
  if (options.exhaustMemoryAfter !== undefined) memoryHookUsed = true;
  revokeResult();
  framesStore.getState().reset();
  await drive(currentFile, 0, (callbacks, signal) => engine().run(currentFile!, options, callbacks, signal));
}

/** Carries on a run the lost GPU interrupted, from the frame it reached (the worker kept the frames before it). */
export async function resumeRun(): Promise<void> {
  const s = appStore.getState();
  const from = s.error?.resumeFrom;
  if (!currentFile || !s.info || s.phase === 'running' || from === undefined) return;
  await drive(currentFile, from, (callbacks, signal) => engine().resume(callbacks, signal));
}

/** Runs (or resumes) with progress and live frames, and ends in done, ready (cancelled) or error. */
async function drive(
  file: File,
  from: number,
  call: (callbacks: { onProgress: (p: ProgressInfo) => void; onFrames: (pair: FramePair) => void }, signal: AbortSignal) => Promise<RunResult>,
): Promise<void> {
  const s = appStore.getState();
  previewAbort?.abort();
  const ac = new AbortController();
  runAbort = ac;
  s.clearError();
  s.setRunNotice(null);
  s.setPhase('running');
  s.setProgress({ stage: 'model', done: from, total: s.info?.frameCount ?? 0, fps: 0, etaSeconds: null });
  try {
    const result = await call(
      {
        onProgress: (p) => {
          if (runAbort === ac) appStore.getState().setProgress(p);
        },
        onFrames: (pair) => onRunFrames(pair, ac),
      },
      ac.signal,
    );
    if (runAbort !== ac) return;
    await frameChain;
    const url = URL.createObjectURL(result.file);
    appStore.getState().setResult({ ...result, fileName: outputName(file.name), url, downloaded: false });
    appStore.getState().setProgress({ stage: 'finishing', done: result.frames, total: result.frames, fps: 0, etaSeconds: 0 });
    appStore.getState().setPhase('done');
  } catch (e) {
    if (runAbort !== ac) return;
    if (e instanceof CancelledError) {
      appStore.getState().setPhase('ready');
      appStore.getState().setProgress(null);
      appStore.getState().setRunNotice('Cancelled. Nothing was saved; you can start again at any time.');
    } else {
      appStore.getState().setProgress(null);
      appStore.getState().fail(errorOf(e), 'error');
    }
  } finally {
    if (runAbort === ac) runAbort = null;
  }
}

/** Stops the run between two frames and discards its partial output. */
export function cancelRun(): void {
  runAbort?.abort();
}

/** Restores the frame the preview scrubber points at. */
export async function previewFrame(): Promise<void> {
  const s = appStore.getState();
  const file = currentFile;
  if (!file || !s.info || s.phase === 'running') return;
  const gpuError = noWebGPU();
  if (gpuError) {
    s.fail(gpuError, s.phase === 'error' ? 'error' : s.phase);
    return;
  }
  const options = runOptions();
  if (!options) return;
  previewAbort?.abort();
  const ac = new AbortController();
  previewAbort = ac;
  s.setPreviewBusy(true);
  s.setRunNotice(null);
  try {
    const pair = await engine().preview(file, s.previewIndex, options, ac.signal);
    if (previewAbort !== ac) {
      pair.blurred.close();
      pair.restored.close();
      return;
    }
    framesStore.getState().select(null);
    framesStore.getState().show({ ...pair, source: 'preview' });
  } catch (e) {
    if (e instanceof CancelledError || previewAbort !== ac) return;
    appStore.getState().fail(errorOf(e), appStore.getState().phase === 'done' ? 'done' : 'ready');
  } finally {
    if (previewAbort === ac) {
      previewAbort = null;
      appStore.getState().setPreviewBusy(false);
    }
  }
}

export function cancelPreview(): void {
  previewAbort?.abort();
  appStore.getState().setPreviewBusy(false);
}

/** Reads public/models/index.json when there is one; otherwise the built-in list stays. */
export async function loadModelList(): Promise<void> {
  try {
    const res = await fetch(`${import.meta.env.BASE_URL}models/index.json`, { cache: 'no-cache' });
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return;
    const models = parseModelIndex(await res.json());
    if (models.length > 0) appStore.getState().setModels(models);
  } catch {
    /* keep the built-in list */
  }
}

/** Accepts ["base", …], {models: [...]}, or objects with id and label/name/description. */
export function parseModelIndex(json: unknown): ModelChoice[] {
  const list = Array.isArray(json) ? json : json && typeof json === 'object' && Array.isArray((json as { models?: unknown }).models) ? (json as { models: unknown[] }).models : [];
  const out: ModelChoice[] = [];
  for (const item of list) {
    if (typeof item === 'string' && /^[\w.-]+$/.test(item)) {
      out.push({ id: item, label: item[0]!.toUpperCase() + item.slice(1), description: '' });
    } else if (item && typeof item === 'object') {
      const o = item as Record<string, unknown>;
      const id = typeof o.id === 'string' ? o.id : typeof o.name === 'string' ? o.name : null;
      if (!id || !/^[\w.-]+$/.test(id)) continue;
      const label = typeof o.label === 'string' ? o.label : typeof o.title === 'string' ? o.title : id[0]!.toUpperCase() + id.slice(1);
      const description = typeof o.description === 'string' ? o.description : '';
      out.push({ id, label, description });
    }
  }
  return out;
}
