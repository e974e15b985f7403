// Named media errors, each with a plain-words message for the user, and
// `toUserError`, which turns anything thrown while reading, decoding, encoding
// or writing a video into one of them. Messages never contain a stack trace
// or an internal error text; the original error stays in `cause` (console).
//
// `code` values match the page's error codes (src/engine/protocol.ts
// `ErrorCode`), so `{code, title, message, downscaleTo}` can be passed to the
// page as is. This file imports nothing at runtime (it is unit-tested in Node).

export type MediaErrorCode =
  | 'not-video'
  | 'corrupt'
  | 'unsupported-codec'
  | 'no-video-track'
  | 'zero-frames'
  | 'too-large'
  | 'encode'
  | 'disk-full'
  | 'cancelled'
  | 'internal';

export interface Size {
  width: number;
  height: number;
}

/** The plain data the page shows (structurally a `UserError` of src/engine/protocol.ts). */
export interface MediaUserError {
  code: MediaErrorCode;
  title: string;
  message: string;
  downscaleTo?: Size;
  /** The same run can simply be started again (after the user fixed the cause). */
  canRestart?: boolean;
}

/** Base class: every error of the media layer. `message` is already plain words. */
export abstract class MediaError extends Error {
  abstract readonly code: MediaErrorCode;
  /** Short heading for the page. */
  abstract readonly title: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  /** Plain data for postMessage / the page (no stack, no cause). */
  toUser(): MediaUserError {
    return { code: this.code, title: this.title, message: this.message };
  }
}

function quoted(name: string | undefined): string {
  return name ? `"${name}"` : 'This file';
}

/** The file is not a media file at all (or not a container we know). */
export class NotAVideoError extends MediaError {
  readonly code = 'not-video';
  readonly title = 'This is not a video Unblur can read';
  constructor(fileName?: string, options?: { cause?: unknown }) {
    super(
      `${quoted(fileName)} is not a video file Unblur recognises (MP4, MOV, WebM, MKV and similar). Choose a video file.`,
      options,
    );
    this.name = 'NotAVideoError';
  }
}

/** The container was recognised but its data is damaged or cut short. */
export class CorruptFileError extends MediaError {
  readonly code = 'corrupt';
  readonly title = 'This video is damaged';
  constructor(fileName?: string, options?: { cause?: unknown; detail?: string }) {
    super(
      `${quoted(fileName)} could not be read to the end: the file is damaged or incomplete` +
        `${options?.detail ? ` (${options.detail})` : ''}. Was the download or copy cut short? Try the original file.`,
      options,
    );
    this.name = 'CorruptFileError';
  }
}

/** The video track uses a codec this browser cannot decode. */
export class UnsupportedCodecError extends MediaError {
  readonly code = 'unsupported-codec';
  readonly title = 'This browser cannot decode this video';
  /** Codec in plain words, e.g. "HEVC (H.265)". */
  readonly codec: string;
  constructor(codec: string, options?: { cause?: unknown }) {
    super(
      `The video is encoded as ${codec}, which this browser cannot decode. ` +
        'Convert it to H.264, VP9 or AV1 (for example with HandBrake or ffmpeg) and try again.',
      options,
    );
    this.name = 'UnsupportedCodecError';
    this.codec = codec;
  }
}

/** A media file without any video track (audio only, subtitles only, ...). */
export class NoVideoTrackError extends MediaError {
  readonly code = 'no-video-track';
  readonly title = 'This file has no video';
  constructor(fileName?: string, options?: { cause?: unknown; hasAudio?: boolean }) {
    super(
      `${quoted(fileName)} contains no video track${options?.hasAudio ? ' (it is audio only)' : ''}. Choose a file with moving pictures.`,
      options,
    );
    this.name = 'NoVideoTrackError';
  }
}

/** A video track that holds no frames. */
export class ZeroFramesError extends MediaError {
  readonly code = 'zero-frames';
  readonly title = 'This video has no frames';
  constructor(fileName?: string, options?: { cause?: unknown }) {
    super(`${quoted(fileName)} has a video track, but it contains no pictures to restore.`, options);
    this.name = 'ZeroFramesError';
  }
}

export interface ResolutionLimit {
  /** Largest width and largest height (e.g. the GPU's maxTextureDimension2D). */
  maxDimension?: number;
  /** Largest width × height (e.g. from the GPU's buffer limits). */
  maxPixels?: number;
}

/** The frames are larger than the GPU can process; `suggested` fits the limit. */
export class ResolutionTooLargeError extends MediaError {
  readonly code = 'too-large';
  readonly title = 'This video is too large for your GPU';
  readonly width: number;
  readonly height: number;
  readonly limit: ResolutionLimit;
  /** Largest even size with the same aspect ratio inside the limit. */
  readonly suggested: Size;
  constructor(size: Size, limit: ResolutionLimit, suggested: Size, options?: { cause?: unknown }) {
    const parts: string[] = [];
    if (limit.maxDimension !== undefined) parts.push(`${limit.maxDimension} pixels per side`);
    if (limit.maxPixels !== undefined) parts.push(`${formatMegapixels(limit.maxPixels)} per frame`);
    super(
      `The video is ${size.width}×${size.height}, but your GPU can restore at most ${parts.join(' and ')}. ` +
        `Unblur can scale it down to ${suggested.width}×${suggested.height} first.`,
      options,
    );
    this.name = 'ResolutionTooLargeError';
    this.width = size.width;
    this.height = size.height;
    this.limit = { ...limit };
    this.suggested = { ...suggested };
  }

  override toUser(): MediaUserError {
    return { ...super.toUser(), downscaleTo: { ...this.suggested } };
  }
}

/** None of H.264, VP9 or AV1 can be encoded here, or the encoder failed. */
export class EncodeError extends MediaError {
  readonly code = 'encode';
  readonly title = 'This browser cannot write the video';
  constructor(message?: string, options?: { cause?: unknown }) {
    super(
      message ?? 'The browser could not encode the restored video (none of H.264, VP9 or AV1 worked at this size).',
      options,
    );
    this.name = 'EncodeError';
  }
}

/** The browser's storage for this site has no room for the rest of the output (QuotaExceededError). */
export class DiskFullError extends MediaError {
  readonly code = 'disk-full';
  readonly title = 'Not enough disk space';
  constructor(options?: { cause?: unknown }) {
    super(
      'The restored video is written to disk as it is made, and the browser has no room for more of it. ' +
        'Free some disk space (or close other tabs that use much storage), then start again; scaling the video down also makes the file smaller.',
      options,
    );
    this.name = 'DiskFullError';
  }

  override toUser(): MediaUserError {
    return { ...super.toUser(), canRestart: true };
  }
}

/** The work was stopped through its AbortSignal. Not a failure: the page just says "Cancelled". */
export class CancelledError extends MediaError {
  readonly code = 'cancelled';
  readonly title = 'Cancelled';
  constructor(options?: { cause?: unknown }) {
    super('The work on this video was cancelled.', options);
    this.name = 'CancelledError';
  }
}

/** Anything else: a generic message, the original error in `cause`. */
export class MediaProcessingError extends MediaError {
  readonly code = 'internal';
  readonly title = 'Something went wrong';
  constructor(options?: { cause?: unknown }) {
    super('Unblur hit an unexpected problem while reading or writing this video. Try again, or try another file.', options);
    this.name = 'MediaProcessingError';
  }
}

function formatMegapixels(pixels: number): string {
  if (pixels >= 1e6) return `${Math.round(pixels / 1e5) / 10} megapixels`;
  return `${pixels.toLocaleString('en-US')} pixels`;
}

// ---- classification --------------------------------------------------------

function nameOf(e: unknown): string {
  if (e && typeof e === 'object' && 'name' in e && typeof (e as { name: unknown }).name === 'string') {
    return (e as { name: string }).name;
  }
  return '';
}

function messageOf(e: unknown): string {
  if (e && typeof e === 'object' && 'message' in e && typeof (e as { message: unknown }).message === 'string') {
    return (e as { message: string }).message;
  }
  return typeof e === 'string' ? e : '';
}

/** True for an AbortSignal's reason (DOMException "AbortError"), our CancelledError, and mediabunny's cancel errors. */
export function isAbortError(e: unknown): boolean {
  if (e instanceof CancelledError) return true;
  const n = nameOf(e);
  return n === 'AbortError' || n === 'ConversionCanceledError';
}

/**
 * Where the error happened, when the caller knows: a failure while reading the
 * file's bytes or decoding is evidence of a damaged file; while encoding, an
 * encoder problem.
 */
export type ErrorStage = 'read' | 'decode' | 'encode' | 'unknown';

export interface ToUserErrorContext {
  fileName?: string;
  stage?: ErrorStage;
  /** Codec in plain words, for decoder "not supported" errors. */
  codec?: string;
}

/** Signs, in mediabunny's and the browsers' error texts, of a damaged or cut-short file. */
const CORRUPT_HINTS =
  /unexpected end|end of (file|stream|data)|stopped unexpectedly|out of bounds|outside the bounds|truncat|corrupt|invalid (box|atom|element|data|bitstream|sample)|malformed|decod(e|ing) error|failed to decode|decoding failed|offset is outside|beyond the end/i;

/**
 * Maps anything thrown by the media layer, mediabunny or WebCodecs to one of
 * the named errors above (never loses a MediaError that is already named).
 */
export function toUserError(e: unknown, context: ToUserErrorContext = {}): MediaError {
  if (e instanceof MediaError) return e;
  if (isAbortError(e)) return new CancelledError({ cause: e });
  const name = nameOf(e);
  const message = messageOf(e);
  const stage = context.stage ?? 'unknown';

  if (name === 'QuotaExceededError') return new DiskFullError({ cause: e });

  // mediabunny: the bytes are no container format it knows.
  if (name === 'UnsupportedInputFormatError') return new NotAVideoError(context.fileName, { cause: e });

  // WebCodecs DOMExceptions.
  if (name === 'NotSupportedError') {
    if (stage === 'encode') return new EncodeError(undefined, { cause: e });
    return new UnsupportedCodecError(context.codec ?? 'a format', { cause: e });
  }
  if (name === 'EncodingError' || name === 'DataError') {
    // EncodingError is what VideoDecoder/AudioDecoder report for undecodable data.
    if (stage === 'encode') return new EncodeError(undefined, { cause: e });
    return new CorruptFileError(context.fileName, { cause: e });
  }
  if (name === 'NotReadableError' || name === 'NotFoundError') {
    // The File went away or cannot be read any more (moved, deleted, permission).
    return new CorruptFileError(context.fileName, { cause: e, detail: 'the file could no longer be read from disk' });
  }
  if (CORRUPT_HINTS.test(message) && stage !== 'encode') return new CorruptFileError(context.fileName, { cause: e });
  if (stage === 'read' || stage === 'decode') return new CorruptFileError(context.fileName, { cause: e });
  if (stage === 'encode') return new EncodeError(undefined, { cause: e });
  return new MediaProcessingError({ cause: e });
}

// ---- resolution limit ---------------------------------------------------------

/**
 * The largest even width × height with (about) the aspect ratio of
 * `width × height` that fits `limit`; the input itself when it fits.
 */
export function fitResolution(width: number, height: number, limit: ResolutionLimit): Size {
  const maxDim = limit.maxDimension ?? Infinity;
  const maxPixels = limit.maxPixels ?? Infinity;
  if (width <= maxDim && height <= maxDim && width * height <= maxPixels) return { width, height };
  let scale = Math.min(1, maxDim / width, maxDim / height, Math.sqrt(maxPixels / (width * height)));
  for (let i = 0; i < 10_000; i++) {
    const w = Math.max(2, Math.floor((width * scale) / 2) * 2);
    const h = Math.max(2, Math.floor((height * scale) / 2) * 2);
    if ((w <= maxDim && h <= maxDim && w * h <= maxPixels) || (w === 2 && h === 2)) return { width: w, height: h };
    scale *= 0.995;
  }
  return { width: 2, height: 2 };
}

/** Throws ResolutionTooLargeError when `size` exceeds `limit`. */
export function checkResolution(size: Size, limit: ResolutionLimit): void {
  const fit = fitResolution(size.width, size.height, limit);
  if (fit.width !== size.width || fit.height !== size.height) throw new ResolutionTooLargeError(size, limit, fit);
}
