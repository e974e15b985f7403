// App state (zustand). The store is a plain vanilla store so its logic can be
// tested in Node; React reads it through `useAppStore`.
// src/ui must never import TF.js or media code: it only knows file facts and
// the WebGPU probe result.
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { WebGPUProbe } from '../gpu/device';
import type { ModelChoice, Passes, ProgressInfo, RunResult, Size, UserError, VideoInfo } from '../engine/protocol';
import { DEFAULT_MODELS } from '../engine/protocol';

/** The subset of the DOM File interface the store needs (lets tests use plain objects). */
export interface FileLike {
  name: string;
  size: number;
  type: string;
  lastModified?: number;
}

export interface FileFacts {
  name: string;
  size: number;
  /** MIME type as the browser reported it; may be '' for unknown extensions. */
  type: string;
  lastModified: number | null;
  /** From the MIME type, or the extension when the browser gives no type. */
  looksLikeVideo: boolean;
}

export type GpuState = { kind: 'checking' } | WebGPUProbe;

/**
 * Where the page is with the current file:
 * idle (no file) → opening → ready (facts shown, preview possible) →
 * running → done; error from any step; a cancel goes back to ready.
 */
export type Phase = 'idle' | 'opening' | 'ready' | 'running' | 'done' | 'error';

/** The finished output as the page keeps it. */
export interface ResultState extends RunResult {
  fileName: string;
  url: string;
  /** The user clicked Download (the page stops asking before it is left). */
  downloaded: boolean;
}

export interface AppState {
  gpu: GpuState;
  /** The file the user picked or dropped, or null. The File object itself is kept outside the store. */
  file: FileFacts | null;
  /** Why the last pick was refused or needs attention; null when all is well. */
  fileNotice: string | null;
  /** True while something is dragged over the drop zone. */
  dragging: boolean;

  phase: Phase;
  /** What the worker found out about the file (null until opened). */
  info: VideoInfo | null;
  models: readonly ModelChoice[];
  modelId: string;
  /** The quality setting: how many mirrored passes restore each frame. */
  passes: Passes;
  /** Size the frames are scaled to before the engine, or null for the original size. */
  scaleTo: Size | null;
  /** Frame the preview scrubber points at. */
  previewIndex: number;
  previewBusy: boolean;
  progress: ProgressInfo | null;
  result: ResultState | null;
  error: UserError | null;
  /** A line about the last run that is not an error (e.g. "Cancelled."). */
  runNotice: string | null;

  setGpu: (gpu: GpuState) => void;
  setPhase: (phase: Phase) => void;
  setInfo: (info: VideoInfo) => void;
  setModels: (models: readonly ModelChoice[]) => void;
  setModelId: (id: string) => void;
  setPasses: (passes: Passes) => void;
  setScaleTo: (size: Size | null) => void;
  setPreviewIndex: (i: number) => void;
  setPreviewBusy: (busy: boolean) => void;
  setProgress: (p: ProgressInfo | null) => void;
  setResult: (r: ResultState | null) => void;
  markDownloaded: () => void;
  /** Shows an error; `phase` says where the page goes (ready keeps the file usable). */
  fail: (error: UserError, phase?: Phase) => void;
  clearError: () => void;
  setRunNotice: (notice: string | null) => void;
  /** Takes the first of the picked/dropped files. Returns the facts stored, or null if nothing was taken. */
  pickFiles: (files: ArrayLike<FileLike> | null | undefined) => FileFacts | null;
  clearFile: () => void;
  setDragging: (dragging: boolean) => void;
}

export const VIDEO_EXTENSIONS = ['mp4', 'm4v', 'mov', 'webm', 'mkv'] as const;

export function looksLikeVideo(file: FileLike): boolean {
  if (file.type) return file.type.startsWith('video/');
  const dot = file.name.lastIndexOf('.');
  if (dot < 0) return false;
  const ext = file.name.slice(dot + 1).toLowerCase();
  return (VIDEO_EXTENSIONS as readonly string[]).includes(ext);
}

export function factsOf(file: FileLike): FileFacts {
  return {
    name: file.name,
    size: file.size,
    type: file.type,
    lastModified: typeof file.lastModified === 'number' ? file.lastModified : null,
    looksLikeVideo: looksLikeVideo(file),
  };
}

export function createAppStore(initial: Partial<Pick<AppState, 'gpu' | 'file'>> = {}): StoreApi<AppState> {
  return createStore<AppState>()((set) => ({
    gpu: initial.gpu ?? { kind: 'checking' },
    file: initial.file ?? null,
    fileNotice: null,
    dragging: false,
    phase: 'idle',
    info: null,
    models: DEFAULT_MODELS,
    modelId: DEFAULT_MODELS[0]!.id,
    passes: 1,
    scaleTo: null,
    previewIndex: 0,
    previewBusy: false,
    progress: null,
    result: null,
    error: null,
    runNotice: null,

    setGpu: (gpu) => set({ gpu }),
    setPhase: (phase) => set({ phase }),
    setInfo: (info) =>
      set({ info, phase: 'ready', previewIndex: Math.floor(Math.max(0, info.frameCount - 1) / 2), scaleTo: null }),
    setModels: (models) =>
      set((s) => ({
        models: models.length > 0 ? models : DEFAULT_MODELS,
        modelId: models.some((m) => m.id === s.modelId) ? s.modelId : (models[0]?.id ?? DEFAULT_MODELS[0]!.id),
      })),
    setModelId: (modelId) => set({ modelId }),
    setPasses: (passes) => set({ passes }),
    setScaleTo: (scaleTo) => set({ scaleTo }),
    setPreviewIndex: (previewIndex) => set({ previewIndex }),
    setPreviewBusy: (previewBusy) => set({ previewBusy }),
    setProgress: (progress) => set({ progress }),
    setResult: (result) => set({ result }),
    markDownloaded: () => set((s) => (s.result ? { result: { ...s.result, downloaded: true } } : {})),
    fail: (error, phase = 'error') => set({ error, phase, previewBusy: false }),
    clearError: () => set((s) => ({ error: null, phase: s.phase === 'error' ? (s.info ? 'ready' : 'idle') : s.phase })),
    setRunNotice: (runNotice) => set({ runNotice }),

    pickFiles: (files) => {
      const first = files && files.length > 0 ? files[0] : undefined;
      if (!first) {
        set({ dragging: false, fileNotice: 'Nothing was dropped. Drop a single video file.' });
        return null;
      }
      const facts = factsOf(first);
      const notices: string[] = [];
      if (files && files.length > 1) notices.push(`${files.length} files were dropped; using the first one.`);
      if (!facts.looksLikeVideo) notices.push('This does not look like a video file (MP4, WebM, MOV or MKV).');
      if (facts.size === 0) notices.push('This file is empty.');
      set({
        file: facts,
        dragging: false,
        fileNotice: notices.length > 0 ? notices.join(' ') : null,
        phase: 'opening',
        info: null,
        scaleTo: null,
        progress: null,
        result: null,
        error: null,
        runNotice: null,
        previewBusy: false,
      });
      return facts;
    },

    clearFile: () =>
      set({
        file: null,
        fileNotice: null,
        phase: 'idle',
        info: null,
        scaleTo: null,
        progress: null,
        result: null,
        error: null,
        runNotice: null,
        previewBusy: false,
      }),

    setDragging: (dragging) => set({ dragging }),
  }));
}

/** The app's single store instance. */
export const appStore = createAppStore();

/** React hook over `appStore`. */
export function useAppStore<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector);
}
