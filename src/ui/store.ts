// App state (zustand). The store is a plain vanilla store so its logic can be
// tested in Node; React reads it through `useAppStore`.
// src/ui must never import TF.js or media code: it only knows file facts and
// the WebGPU probe result.
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { WebGPUProbe } from '../gpu/device';

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

export interface AppState {
  gpu: GpuState;
  /** The file the user picked or dropped, or null. The File object itself is kept outside the store. */
  file: FileFacts | null;
  /** Why the last pick was refused or needs attention; null when all is well. */
  fileNotice: string | null;
  /** True while something is dragged over the drop zone. */
  dragging: boolean;

  setGpu: (gpu: GpuState) => void;
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

    setGpu: (gpu) => set({ gpu }),

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
      set({ file: facts, dragging: false, fileNotice: notices.length > 0 ? notices.join(' ') : null });
      return facts;
    },

    clearFile: () => set({ file: null, fileNotice: null }),

    setDragging: (dragging) => set({ dragging }),
  }));
}

/** The app's single store instance. */
export const appStore = createAppStore();

/** React hook over `appStore`. */
export function useAppStore<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector);
}
