// The page's side of the engine worker: abortable calls over the message
// protocol. This file must stay free of TF.js and media code (the UI imports
// it; src/ui/boundaries.test.ts checks that its only import is the protocol,
// type-only). The worker itself is referenced by URL, never imported.
import type {
  FramePair,
  OpenLimits,
  ProgressInfo,
  RunOptions,
  RunResult,
  UserError,
  VideoInfo,
  WorkerReply,
  WorkerRequest,
} from './protocol';

/** A failed call: `user` is what the page shows. */
export class EngineCallError extends Error {
  readonly user: UserError;
  constructor(user: UserError) {
    super(user.message);
    this.name = 'EngineCallError';
    this.user = user;
  }
}

/** The call was cancelled through its AbortSignal. */
export class CancelledError extends Error {
  constructor() {
    super('Cancelled.');
    this.name = 'AbortError';
  }
}

export interface RunCallbacks {
  onProgress?: (p: ProgressInfo) => void;
  /** Receives ownership of the bitmaps: close them when done. */
  onFrames?: (pair: FramePair) => void;
}

interface Pending {
  resolve: (reply: WorkerReply) => void;
  reject: (e: Error) => void;
  callbacks: RunCallbacks;
}

/** How long a cancel may take before the worker is terminated and replaced. */
const CANCEL_GRACE_MS = 4000;

function closePair(pair: FramePair): void {
  pair.blurred.close();
  pair.restored.close();
}

export type WorkerFactory = () => Worker;

const defaultFactory: WorkerFactory = () => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });

/**
 * This page's id, and a Web Lock of that name held until the page goes: the
 * worker's output files carry the id, and a file whose page is gone may be
 * removed by any tab (protocol.ts `page`).
 */
function holdPageLock(): string {
  const owner =
    typeof crypto.randomUUID === 'function'
      ? crypto.randomUUID()
      : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  const locks = (globalThis as { navigator?: Navigator }).navigator?.locks;
  void locks?.request(owner, () => new Promise<never>(() => undefined)).catch(() => undefined);
  return owner;
}

export class EngineClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly factory: WorkerFactory;
  private owner: string | null = null;

  constructor(factory: WorkerFactory = defaultFactory) {
    this.factory = factory;
  }

  /** Facts about a file; rejects with EngineCallError for files the app cannot read. */
  async open(file: File, limits: OpenLimits, signal?: AbortSignal): Promise<VideoInfo> {
    const reply = await this.call((id) => ({ type: 'open', id, file, limits }), {}, signal);
    if (reply.type !== 'opened') throw unexpected(reply);
    return reply.info;
  }

  /** Restores one frame (decoding the 5-frame window around it). */
  async preview(file: File, frameIndex: number, options: RunOptions, signal?: AbortSignal): Promise<FramePair> {
    const reply = await this.call((id) => ({ type: 'preview', id, file, frameIndex, options }), {}, signal);
    if (reply.type !== 'preview') throw unexpected(reply);
    return reply.pair;
  }

  /** Restores the whole video; resolves with the MP4. */
  async run(file: File, options: RunOptions, callbacks: RunCallbacks, signal?: AbortSignal): Promise<RunResult> {
    const reply = await this.call((id) => ({ type: 'run', id, file, options }), callbacks, signal);
    if (reply.type !== 'done') throw unexpected(reply);
    return reply.result;
  }

  /** Carries on the run a lost GPU interrupted (the worker kept its partial output); resolves with the MP4. */
  async resume(callbacks: RunCallbacks, signal?: AbortSignal): Promise<RunResult> {
    const reply = await this.call((id) => ({ type: 'resume', id }), callbacks, signal);
    if (reply.type !== 'done') throw unexpected(reply);
    return reply.result;
  }

  /** Lets the worker drop an interrupted run's partial output. */
  discard(): void {
    this.worker?.postMessage({ type: 'discard' } satisfies WorkerRequest);
  }

  /** Terminates the worker; pending calls fail. */
  dispose(): void {
    this.replaceWorker({ code: 'internal', title: 'Stopped', message: 'The engine was stopped.' });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = this.factory();
    w.onmessage = (e: MessageEvent<WorkerReply>) => this.onReply(e.data);
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.replaceWorker({
        code: 'internal',
        title: 'The engine stopped',
        message: 'The video engine stopped unexpectedly. Try again; if it keeps happening, reload the page.',
      });
    };
    w.onmessageerror = () => {
      this.replaceWorker({ code: 'internal', title: 'The engine stopped', message: 'A message from the video engine could not be read.' });
    };
    this.owner ??= holdPageLock();
    w.postMessage({ type: 'page', owner: this.owner } satisfies WorkerRequest);
    this.worker = w;
    return w;
  }

  /** Terminates the current worker (a fresh one starts on the next call) and fails every pending call. */
  private replaceWorker(reason: UserError | 'cancelled'): void {
    const w = this.worker;
    this.worker = null;
    w?.terminate();
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const p of calls) p.reject(reason === 'cancelled' ? new CancelledError() : new EngineCallError(reason));
  }

  private onReply(reply: WorkerReply): void {
    const p = this.pending.get(reply.id);
    if (!p) {
      // A late message for a call that is gone: free its bitmaps.
      if (reply.type === 'frames' || reply.type === 'preview') closePair(reply.pair);
      return;
    }
    switch (reply.type) {
      case 'progress':
        p.callbacks.onProgress?.(reply.progress);
        return;
      case 'frames':
        if (p.callbacks.onFrames) p.callbacks.onFrames(reply.pair);
        else closePair(reply.pair);
        return;
      case 'cancelled':
        this.pending.delete(reply.id);
        p.reject(new CancelledError());
        return;
      case 'error':
        this.pending.delete(reply.id);
        if (reply.error.code === 'device-lost' && reply.error.resumeFrom === undefined) {
          // The worker could not reconnect to the GPU (or nothing is left to
          // resume): start clean next time. A resumable run stays in its worker.
          this.replaceWorker(reply.error);
        }
        p.reject(new EngineCallError(reply.error));
        return;
      default:
        this.pending.delete(reply.id);
        p.resolve(reply);
    }
  }

  private call(make: (id: number) => WorkerRequest, callbacks: RunCallbacks, signal?: AbortSignal): Promise<WorkerReply> {
    if (signal?.aborted) return Promise.reject(new CancelledError());
    const id = this.nextId++;
    const worker = this.ensureWorker();
    return new Promise<WorkerReply>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => {
        if (!this.pending.has(id)) return;
        worker.postMessage({ type: 'cancel', id } satisfies WorkerRequest);
        // Cooperative cancel happens between frames; if the worker is stuck
        // inside one long GPU call, replace it rather than keep the user waiting.
        timer = setTimeout(() => {
          if (this.pending.has(id) && this.worker === worker) this.replaceWorker('cancelled');
        }, CANCEL_GRACE_MS);
      };
      const cleanup = () => {
        signal?.removeEventListener('abort', onAbort);
        if (timer !== undefined) clearTimeout(timer);
      };
      this.pending.set(id, {
        resolve: (r) => {
          cleanup();
          resolve(r);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
        callbacks,
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.postMessage(make(id));
    });
  }
}

function unexpected(reply: WorkerReply): EngineCallError {
  return new EngineCallError({
    code: 'internal',
    title: 'Something went wrong',
    message: `The engine answered "${reply.type}" unexpectedly.`,
  });
}
