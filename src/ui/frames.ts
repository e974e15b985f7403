// Frames the page shows: the pair on screen (full size) and a bounded history
// of small copies for the scrubber. Bitmaps are closed as soon as they drop
// out, so memory stays bounded however long the video is.
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';

export interface Closable {
  close(): void;
}

export interface Pair<B extends Closable = ImageBitmap> {
  index: number;
  time: number;
  blurred: B;
  restored: B;
  /** 'preview' for a single restored frame, 'run' for frames of the full run. */
  source: 'preview' | 'run';
}

export interface FramesState<B extends Closable = ImageBitmap> {
  /** The pair on the big view; full size. */
  current: Pair<B> | null;
  /** Small copies of processed frames, oldest first, at most `limit`. */
  history: Pair<B>[];
  /** Index into `history` the user scrubbed to, or null to follow the newest frame. */
  selected: number | null;
  limit: number;
}

/** Keep this many processed frames for the scrubber. */
export const HISTORY_LIMIT = 36;
/** History copies are scaled down to at most this width. */
export const HISTORY_MAX_WIDTH = 480;

function closePair<B extends Closable>(p: Pair<B> | null | undefined): void {
  if (!p) return;
  p.blurred.close();
  p.restored.close();
}

export interface FramesActions<B extends Closable> {
  /** Shows `pair` (full size), taking ownership of its bitmaps. */
  show: (pair: Pair<B>) => void;
  /** Appends a small copy to the history, taking ownership; drops (and closes) the oldest beyond the limit. */
  remember: (pair: Pair<B>) => void;
  select: (i: number | null) => void;
  /** Closes everything. */
  reset: () => void;
}

export function createFramesStore<B extends Closable = ImageBitmap>(limit = HISTORY_LIMIT): StoreApi<FramesState<B> & FramesActions<B>> {
  return createStore<FramesState<B> & FramesActions<B>>()((set, get) => ({
    current: null,
    history: [],
    selected: null,
    limit,
    show: (pair) => {
      const old = get().current;
      set({ current: pair });
      if (old && old !== pair) closePair(old);
    },
    remember: (pair) => {
      const { history, selected } = get();
      const next = [...history, pair];
      let sel = selected;
      while (next.length > limit) {
        closePair(next.shift());
        if (sel !== null) sel = sel > 0 ? sel - 1 : 0;
      }
      set({ history: next, selected: sel });
    },
    select: (i) => {
      const n = get().history.length;
      set({ selected: i === null || n === 0 ? null : Math.max(0, Math.min(n - 1, Math.round(i))) });
    },
    reset: () => {
      const { current, history } = get();
      closePair(current);
      for (const p of history) closePair(p);
      set({ current: null, history: [], selected: null });
    },
  }));
}

export const framesStore = createFramesStore<ImageBitmap>();

export function useFrames<T>(selector: (s: FramesState<ImageBitmap> & FramesActions<ImageBitmap>) => T): T {
  return useStore(framesStore, selector);
}
