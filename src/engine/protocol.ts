// Messages between the page (src/engine/client.ts) and the engine worker
// (src/engine/worker.ts). Types and plain constants only: no runtime imports,
// so the UI may import this file without pulling TF.js or media code into its
// bundle (src/ui/boundaries.test.ts checks that).

/** A model the user can pick; `id` is the folder under public/models/. */
export interface ModelChoice {
  id: string;
  label: string;
  description: string;
}

/** Used when public/models/index.json is missing or unreadable. */
export const DEFAULT_MODELS: readonly ModelChoice[] = [
  { id: 'base', label: 'Base', description: 'Default model (16/32/64 channels, 172 GFLOP per 720p frame).' },
];

export interface Size {
  width: number;
  height: number;
}

/** Limits the page passes when opening a file (tests lower them through `?maxPixels=`). */
export interface OpenLimits {
  /** Largest width × height the engine may run at; null = ask the GPU. */
  maxPixels: number | null;
}

/** What the worker found out about a file (display orientation applies to `display`). */
export interface VideoInfo {
  /** Coded frame size (what the engine processes and the encoder writes). */
  width: number;
  height: number;
  /** Clockwise rotation from the container, kept on the output. */
  rotation: number;
  frameCount: number;
  durationSeconds: number;
  /** Average frame rate (frameCount / duration); the output keeps every timestamp, so VFR stays VFR. */
  fps: number;
  /** Input video codec in plain words, e.g. "H.264". */
  videoCodec: string;
  /** Input audio in plain words, or null when the file has no audio. */
  audio: string | null;
  /** Largest frame the GPU can hold, in pixels. */
  maxPixels: number;
  /** Set when the frames are larger than `maxPixels`: the size the pipeline can scale down to. */
  downscaleTo: Size | null;
  /** A warning about the engine in plain words (e.g. the model is not installed), or null. */
  engineNote: string | null;
}

export type ErrorCode =
  | 'not-video'
  | 'corrupt'
  | 'unsupported-codec'
  | 'no-video-track'
  | 'zero-frames'
  | 'too-large'
  | 'no-webgpu'
  | 'device-lost'
  | 'gpu-memory'
  | 'model'
  | 'encode'
  | 'disk-full'
  | 'internal';

/** An error the page shows as is: plain words, never a stack trace. */
export interface UserError {
  code: ErrorCode;
  title: string;
  message: string;
  /** 'too-large', 'gpu-memory': the size the pipeline can scale down to. */
  downscaleTo?: Size;
  /** 'device-lost', 'gpu-memory': the run can start again on a fresh GPU device (see docs/app.md). */
  canRestart?: boolean;
  /** 'device-lost': the run can go on from this frame index (the frames before it are kept in the worker). */
  resumeFrom?: number;
  /** 'device-lost': frames finished before the loss. */
  framesDone?: number;
}

/** What happened to the audio of the input. */
export interface AudioOutcome {
  /** 'copied': same packets; 'reencoded': decoded and encoded again; 'dropped': no audio in the output; 'none': input had none. */
  kind: 'copied' | 'reencoded' | 'dropped' | 'none';
  /** Plain words for the page, e.g. "AAC audio copied unchanged." */
  message: string;
}

/** How many mirrored passes restore each frame (the quality setting; src/engine/self-ensemble.ts). */
export const PASS_CHOICES = [1, 2, 4] as const;
export type Passes = (typeof PASS_CHOICES)[number];
/** The quality setting's name for each number of passes (the page's drop-down and its messages). */
export const PASS_NAMES: Record<Passes, string> = { 1: 'Fast', 2: 'Better', 4: 'Best' };

export interface RunOptions {
  modelId: string;
  /** 1 = fastest; 2 or 4 restore each frame that many times, mirrored, and average (slower, a little sharper). */
  passes: Passes;
  /** Scale frames to this size before the engine (the output is this size); null = original size. */
  scaleTo: Size | null;
  /** Test hook: lose the GPU device after this many frames (e2e only). */
  loseDeviceAfter?: number;
  /** Test hook: after this many frames the engine asks for one buffer of maxBufferSize bytes, which SwiftShader refuses (e2e only). */
  exhaustMemoryAfter?: number;
  /** Test hook: wait this long after each frame, so a cancel can be tested at any engine speed (e2e only). */
  frameDelayMs?: number;
}

// ---- page → worker -------------------------------------------------------
// Every call carries the File (a cheap handle, not a copy), so the worker keeps
// no state between calls and the client can replace it at any time (when a
// cancel is not answered quickly, or after a lost GPU it could not reconnect
// to). The one exception: a run suspended by a lost GPU keeps its partial
// output in the worker until `resume`, `discard`, or the next `open`/`run`.

export type WorkerRequest =
  | { type: 'open'; id: number; file: File; limits: OpenLimits }
  | { type: 'preview'; id: number; file: File; frameIndex: number; options: RunOptions }
  | { type: 'run'; id: number; file: File; options: RunOptions }
  /** Carries on the run the GPU loss suspended (the worker holds its partial output); replies as `run` does. */
  | { type: 'resume'; id: number }
  /** Drops a suspended run's partial output (the user moved on). No reply. */
  | { type: 'discard' }
  /**
   * Sent first to every new worker: the page's id (a UUID). The page holds a
   * Web Lock of that name while it lives; the worker names its output files
   * after it, and removes the files of pages whose lock is gone (src/media/output-file.ts). No reply.
   */
  | { type: 'page'; owner: string }
  /** Stops the call `id` between two frames; its partial output is discarded. */
  | { type: 'cancel'; id: number };

// ---- worker → page -------------------------------------------------------

export interface ProgressInfo {
  stage: 'model' | 'frames' | 'finishing';
  done: number;
  total: number;
  /** Restored frames per second over the last few frames; 0 before the first. */
  fps: number;
  /** Estimated seconds left, or null when unknown. */
  etaSeconds: number | null;
}

export interface FramePair {
  index: number;
  /** Presentation time in seconds. */
  time: number;
  blurred: ImageBitmap;
  restored: ImageBitmap;
}

export interface RunResult {
  file: Blob;
  width: number;
  height: number;
  frames: number;
  durationSeconds: number;
  /** Output video codec in plain words, e.g. "H.264". */
  videoCodec: string;
  audio: AudioOutcome;
  seconds: number;
}

export type WorkerReply =
  | { type: 'opened'; id: number; info: VideoInfo }
  | { type: 'progress'; id: number; progress: ProgressInfo }
  /** Latest frames (throttled); bitmaps are transferred: the receiver owns and closes them. */
  | { type: 'frames'; id: number; pair: FramePair }
  | { type: 'preview'; id: number; pair: FramePair }
  | { type: 'done'; id: number; result: RunResult }
  | { type: 'cancelled'; id: number }
  | { type: 'error'; id: number; error: UserError };

/** How often the worker posts frame pairs during a run. */
export const FRAME_POST_INTERVAL_MS = 250;
