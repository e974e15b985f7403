import { describe, expect, it } from 'vitest';
import { guardLeaving, keepAwake, leaveWarning, type VisibilityLike, type WakeLockApi, type WakeLockLike } from './page-guards';
import { createAppStore, type ResultState } from './store';

const RESULT: ResultState = {
  file: new Blob(['mp4']),
  width: 96,
  height: 64,
  frames: 15,
  durationSeconds: 1,
  videoCodec: 'H.264',
  audio: { kind: 'copied', message: 'AAC audio copied unchanged.' },
  seconds: 12,
  fileName: 'clip-unblurred.mp4',
  url: 'blob:x',
  downloaded: false,
};

/** Dispatches a beforeunload whose returnValue can be written, as in browsers (Node's Event has a getter only). */
function leave(target: EventTarget): { defaultPrevented: boolean; returnValue: unknown } {
  const e = new Event('beforeunload', { cancelable: true });
  Object.defineProperty(e, 'returnValue', { value: '', writable: true });
  target.dispatchEvent(e);
  return { defaultPrevented: e.defaultPrevented, returnValue: (e as unknown as { returnValue: unknown }).returnValue };
}

describe('guardLeaving', () => {
  it('asks while a run goes, while frames wait for a resume, and until the result is downloaded', () => {
    const store = createAppStore();
    const page = new EventTarget();
    const stop = guardLeaving(store, page);
    const s = () => store.getState();
    expect(leave(page).defaultPrevented).toBe(false);

    s().setPhase('running');
    const e = leave(page);
    expect(e.defaultPrevented).toBe(true);
    expect(e.returnValue).toMatch(/being restored/);

    s().fail({ code: 'device-lost', title: 'GPU', message: 'lost', resumeFrom: 4, framesDone: 4 }, 'ready');
    expect(leave(page).returnValue).toMatch(/kept only in this page/);
    s().clearError();
    expect(leave(page).defaultPrevented).toBe(false);

    s().setResult(RESULT);
    s().setPhase('done');
    expect(leave(page).returnValue).toMatch(/not been downloaded/);
    s().markDownloaded();
    expect(s().result?.downloaded).toBe(true);
    expect(leave(page).defaultPrevented).toBe(false);

    s().setPhase('running');
    stop();
    expect(leave(page).defaultPrevented).toBe(false);
  });

  it('lets the page go after a cancel or an error that keeps nothing', () => {
    expect(leaveWarning({ phase: 'ready', result: null, error: null })).toBeNull();
    expect(leaveWarning({ phase: 'ready', result: null, error: { code: 'gpu-memory', title: 't', message: 'm', canRestart: true } })).toBeNull();
    expect(leaveWarning({ phase: 'done', result: { ...RESULT, downloaded: true }, error: null })).toBeNull();
  });
});

class FakeLock extends EventTarget implements WakeLockLike {
  released = false;
  async release() {
    this.released = true;
    this.dispatchEvent(new Event('release'));
  }
}

class FakeWakeLock implements WakeLockApi {
  locks: FakeLock[] = [];
  refuse = false;
  async request() {
    if (this.refuse) throw new DOMException('battery saver', 'NotAllowedError');
    const l = new FakeLock();
    this.locks.push(l);
    return l;
  }
  held() {
    return this.locks.filter((l) => !l.released).length;
  }
}

class FakeDoc extends EventTarget implements VisibilityLike {
  visibilityState: DocumentVisibilityState = 'visible';
  show(state: DocumentVisibilityState) {
    this.visibilityState = state;
    this.dispatchEvent(new Event('visibilitychange'));
  }
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('keepAwake', () => {
  it('holds one lock while a run goes, asks again when the tab shows, releases it after', async () => {
    const store = createAppStore();
    const api = new FakeWakeLock();
    const doc = new FakeDoc();
    const stop = keepAwake(store, api, doc);
    await settle();
    expect(api.held()).toBe(0);

    store.getState().setPhase('running');
    store.getState().setProgress({ stage: 'frames', done: 1, total: 9, fps: 1, etaSeconds: 8 });
    await settle();
    expect(api.held()).toBe(1);
    expect(api.locks).toHaveLength(1);

    // Hidden: the browser drops the lock; shown again mid-run: a new one.
    doc.visibilityState = 'hidden';
    await api.locks[0]!.release();
    doc.show('visible');
    await settle();
    expect(api.held()).toBe(1);
    expect(api.locks).toHaveLength(2);

    store.getState().setPhase('done');
    await settle();
    expect(api.held()).toBe(0);
    stop();
  });

  it('runs without a lock when the browser refuses one or has no API', async () => {
    const store = createAppStore();
    const api = new FakeWakeLock();
    api.refuse = true;
    const stop = keepAwake(store, api, new FakeDoc());
    store.getState().setPhase('running');
    await settle();
    expect(api.held()).toBe(0);
    stop();
    expect(() => keepAwake(store, undefined, new FakeDoc())()).not.toThrow();
  });
});
