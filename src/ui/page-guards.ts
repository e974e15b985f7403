// What the page does while work is at stake: it asks before the tab is closed
// or reloaded (a run going, frames kept for a resume, or a result not yet
// downloaded: all of it lives only in this page), and it keeps the screen
// awake during a run (a sleeping computer takes the GPU away mid-run).
import type { StoreApi } from 'zustand/vanilla';
import type { AppState } from './store';

/** Why leaving the page now would lose work, or null when nothing would be lost. */
export function leaveWarning(s: Pick<AppState, 'phase' | 'result' | 'error'>): string | null {
  if (s.phase === 'running') return 'A video is being restored: leaving stops it and loses the frames done.';
  if (s.error?.resumeFrom !== undefined) return 'The frames restored before the GPU was lost are kept only in this page.';
  if (s.phase === 'done' && s.result && !s.result.downloaded) return 'The restored video has not been downloaded yet.';
  return null;
}

/** Asks before the page is left while leaveWarning says work would be lost; the listener is attached only then. Returns an uninstaller. */
export function guardLeaving(store: StoreApi<AppState>, target: EventTarget): () => void {
  let attached = false;
  const onBeforeUnload = (e: Event) => {
    const warning = leaveWarning(store.getState());
    if (!warning) return;
    e.preventDefault();
    // Chrome before 119 asks only when returnValue is set; the text itself is not shown.
    (e as BeforeUnloadEvent).returnValue = warning;
  };
  const sync = (s: AppState) => {
    const want = leaveWarning(s) !== null;
    if (want && !attached) target.addEventListener('beforeunload', onBeforeUnload);
    if (!want && attached) target.removeEventListener('beforeunload', onBeforeUnload);
    attached = want;
  };
  sync(store.getState());
  const unsubscribe = store.subscribe(sync);
  return () => {
    unsubscribe();
    if (attached) target.removeEventListener('beforeunload', onBeforeUnload);
    attached = false;
  };
}

/** The parts of WakeLockSentinel and Document that keepAwake uses (tests pass fakes). */
export interface WakeLockLike {
  release(): Promise<void>;
  addEventListener(type: 'release', listener: () => void): void;
}
export interface WakeLockApi {
  request(type: 'screen'): Promise<WakeLockLike>;
}
export interface VisibilityLike extends EventTarget {
  visibilityState: DocumentVisibilityState;
}

/**
 * Holds a screen wake lock while a run goes. The browser drops the lock when
 * the tab is hidden, so it is asked for again when the tab shows while the
 * run still goes. Refusals (battery saver, no API, headless) are ignored: the
 * run works without it. Returns an uninstaller.
 */
export function keepAwake(store: StoreApi<AppState>, wakeLock: WakeLockApi | undefined, doc: VisibilityLike): () => void {
  if (!wakeLock) return () => undefined;
  let lock: WakeLockLike | null = null;
  let asking = false;
  const running = () => store.getState().phase === 'running';
  const sync = () => {
    if (running() && doc.visibilityState === 'visible' && !lock && !asking) {
      asking = true;
      wakeLock.request('screen').then(
        (l) => {
          asking = false;
          if (!running()) {
            void l.release().catch(() => undefined);
            return;
          }
          lock = l;
          l.addEventListener('release', () => {
            if (lock === l) lock = null;
          });
        },
        () => {
          asking = false;
        },
      );
    } else if (!running() && lock) {
      const l = lock;
      lock = null;
      void l.release().catch(() => undefined);
    }
  };
  const unsubscribe = store.subscribe(sync);
  doc.addEventListener('visibilitychange', sync);
  sync();
  return () => {
    unsubscribe();
    doc.removeEventListener('visibilitychange', sync);
    if (lock) void lock.release().catch(() => undefined);
    lock = null;
  };
}
