/// <reference lib="webworker" />
// The engine worker: receives protocol requests, runs the pipeline, answers.
// One AbortController per call; `cancel` aborts it and the pipeline stops
// between two frames. Every failure is turned into plain words (UserError);
// stack traces stay in the console. A run that a lost GPU suspended is kept
// (with its partial output) until the page resumes or discards it.
import { createDeps } from './deps';
import {
  Cancelled,
  openVideo,
  PipelineError,
  previewFrame,
  resumeVideo,
  RunSuspended,
  runVideo,
  type Deps,
  type RunHooks,
  type RunState,
} from './pipeline';
import type { UserError, WorkerReply, WorkerRequest } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

let depsPromise: Promise<Deps> | null = null;
/** The page's id (its first message): output files are named after it. */
let owner: string | null = null;
const calls = new Map<number, AbortController>();
let suspended: RunState | null = null;

/** Drops the suspended run, if any, and its partial output. */
function discardSuspended(): void {
  const s = suspended;
  suspended = null;
  void s?.writer.cancel().catch(() => undefined);
}

function deps(): Promise<Deps> {
  depsPromise ??= createDeps({ outputOwner: () => owner });
  return depsPromise;
}

function post(reply: WorkerReply, transfer: Transferable[] = []): void {
  self.postMessage(reply, transfer);
}

function userErrorOf(d: Deps | null, e: unknown): UserError {
  if (e instanceof PipelineError) return e.user;
  const media = d?.media.toUserError(e);
  if (media) return media;
  const engine = d?.engine && 'toUserError' in d.engine ? (d.engine as { toUserError(e: unknown): UserError | null }).toUserError(e) : null;
  if (engine) return engine;
  return {
    code: 'internal',
    title: 'Something went wrong',
    message: 'Unblur hit an unexpected problem while working on this video. Try again, or try another file.',
  };
}

function runHooks(id: number): RunHooks {
  return {
    progress: (progress) => post({ type: 'progress', id, progress }),
    frames: (pair) => post({ type: 'frames', id, pair }, [pair.blurred, pair.restored]),
  };
}

async function handle(req: Exclude<WorkerRequest, { type: 'cancel' } | { type: 'discard' } | { type: 'page' }>): Promise<void> {
  const ac = new AbortController();
  calls.set(req.id, ac);
  let d: Deps | null = null;
  try {
    d = await deps();
    switch (req.type) {
      case 'open': {
        discardSuspended();
        const info = await openVideo(d, req.file, req.limits.maxPixels, ac.signal);
        post({ type: 'opened', id: req.id, info });
        break;
      }
      case 'preview': {
        const pair = await previewFrame(d, req.file, req.frameIndex, req.options, ac.signal);
        post({ type: 'preview', id: req.id, pair }, [pair.blurred, pair.restored]);
        break;
      }
      case 'run': {
        discardSuspended();
        const result = await runVideo(d, req.file, req.options, ac.signal, runHooks(req.id));
        post({ type: 'done', id: req.id, result });
        break;
      }
      case 'resume': {
        const state = suspended;
        suspended = null;
        if (!state) throw new PipelineError(NOTHING_TO_RESUME);
        const result = await resumeVideo(d, state, ac.signal, runHooks(req.id));
        post({ type: 'done', id: req.id, result });
        break;
      }
    }
  } catch (e) {
    if (e instanceof RunSuspended) {
      discardSuspended();
      suspended = e.state;
    }
    if (e instanceof Cancelled || (ac.signal.aborted && !(e instanceof PipelineError))) {
      post({ type: 'cancelled', id: req.id });
    } else {
      console.error('[unblur worker]', e);
      post({ type: 'error', id: req.id, error: userErrorOf(d, e) });
    }
  } finally {
    calls.delete(req.id);
  }
}

const NOTHING_TO_RESUME: UserError = {
  code: 'internal',
  title: 'Nothing to resume',
  message: 'The interrupted run is no longer available. Start again to restore the whole video.',
};

self.onmessage = (e: MessageEvent<WorkerRequest>) => {
  const req = e.data;
  if (req.type === 'cancel') {
    calls.get(req.id)?.abort();
    return;
  }
  if (req.type === 'discard') {
    discardSuspended();
    return;
  }
  if (req.type === 'page') {
    owner = req.owner;
    return;
  }
  void handle(req);
};
