// Test page for e2e/media.spec.ts: drives src/media in real Chromium.
// window.media.probe(url) → VideoFacts; window.media.roundTrip(url) decodes
// every frame, converts it to RGB floats and back, encodes and muxes an MP4
// and returns its bytes (base64) with what the writer reported;
// window.media.failure(url, step) returns the error class a bad file raises.
import {
  assertCanProcess,
  createMp4Writer,
  decodeFrames,
  FrameConverter,
  MediaError,
  probeVideo,
  toUserError,
  type VideoFacts,
} from '../../src/media/index';

async function load(url: string): Promise<File> {
  const res = await fetch(url, { cache: 'no-store' });
  if (!res.ok) throw new Error(`fetch ${url}: ${res.status}`);
  return new File([await res.blob()], url.split('/').pop()!, { type: 'video/mp4' });
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export interface RoundTrip {
  facts: VideoFacts;
  frames: number;
  /** Input timestamps/durations as decoded (seconds). */
  timestamps: number[];
  durations: number[];
  /** Size of the float buffer of the first frame. */
  rgbLength: number;
  rgbMin: number;
  rgbMax: number;
  videoCodec: string;
  codecTried: { codec: string; ok: boolean }[];
  audio: { kind: string; message: string };
  audioPlan: string;
  mimeType: string;
  bytes: string;
  ms: { decodeConvert: number; encode: number; total: number };
}

async function roundTrip(url: string, options: { codecs?: ('avc' | 'vp9' | 'av1')[] } = {}): Promise<RoundTrip> {
  const t0 = performance.now();
  const file = await load(url);
  const facts = await probeVideo(file);
  assertCanProcess(facts);
  const writer = await createMp4Writer({
    width: facts.codedWidth,
    height: facts.codedHeight,
    frameRate: facts.frameRate,
    rotation: facts.rotation,
    audioSource: file,
    ...(options.codecs ? { codecs: options.codecs } : {}),
  });
  const conv = new FrameConverter();
  const timestamps: number[] = [];
  const durations: number[] = [];
  let rgbLength = 0;
  let rgbMin = Infinity;
  let rgbMax = -Infinity;
  let tConvert = 0;
  let tEncode = 0;
  try {
    for await (const f of decodeFrames(file)) {
      const a = performance.now();
      const rgb = conv.toRgb(f.frame);
      if (timestamps.length === 0) {
        rgbLength = rgb.data.length;
        for (const v of rgb.data) {
          rgbMin = Math.min(rgbMin, v);
          rgbMax = Math.max(rgbMax, v);
        }
      }
      const out = conv.fromRgb(rgb.data, rgb.width, rgb.height, f.timestamp, f.duration);
      const b = performance.now();
      try {
        await writer.addFrame(out, f.timestamp, f.duration);
      } finally {
        out.close();
      }
      tConvert += b - a;
      tEncode += performance.now() - b;
      timestamps.push(f.timestamp);
      durations.push(f.duration);
    }
    const b = performance.now();
    const result = await writer.finish();
    tEncode += performance.now() - b;
    const bytes = new Uint8Array(await result.blob!.arrayBuffer());
    return {
      facts,
      frames: result.frames,
      timestamps,
      durations,
      rgbLength,
      rgbMin,
      rgbMax,
      videoCodec: result.videoCodec,
      codecTried: writer.codecChoice.tried,
      audio: result.audio,
      audioPlan: writer.audioPlan.kind,
      mimeType: result.mimeType,
      bytes: base64(bytes),
      ms: { decodeConvert: tConvert, encode: tEncode, total: performance.now() - t0 },
    };
  } catch (e) {
    await writer.cancel();
    throw e;
  }
}

export interface Failure {
  name: string;
  code: string;
  message: string;
  isMediaError: boolean;
  step: string;
  downscaleTo?: { width: number; height: number };
}

/** Runs probe → checks → decode of every frame; returns the error it ends in (or name 'none'). */
async function failure(url: string, limit?: { maxDimension?: number; maxPixels?: number }, decodeOnly = false): Promise<Failure> {
  const file = await load(url);
  let step = 'probe';
  try {
    if (!decodeOnly) {
      const facts = await probeVideo(file);
      step = 'check';
      assertCanProcess(facts, limit, file.name);
    }
    step = 'decode';
    for await (const f of decodeFrames(file)) void f;
    return { name: 'none', code: 'none', message: '', isMediaError: false, step: 'done' };
  } catch (e) {
    const u = toUserError(e);
    return { name: u.name, code: u.code, message: u.message, isMediaError: e instanceof MediaError, step, ...(u.toUser().downscaleTo ? { downscaleTo: u.toUser().downscaleTo } : {}) };
  }
}

/** Decodes only frames first..last. */
async function range(url: string, first: number, last: number): Promise<{ indices: number[]; timestamps: number[] }> {
  const file = await load(url);
  const indices: number[] = [];
  const timestamps: number[] = [];
  for await (const f of decodeFrames(file, { first, last })) {
    indices.push(f.index);
    timestamps.push(f.timestamp);
  }
  return { indices, timestamps };
}

/** Aborts after `after` frames; reports what the loop threw and whether frames were closed. */
async function cancelDecode(url: string, after: number): Promise<{ error: string; seen: number; openAfter: number }> {
  const file = await load(url);
  const ac = new AbortController();
  let seen = 0;
  const kept: VideoFrame[] = [];
  let error = 'none';
  try {
    for await (const f of decodeFrames(file, { signal: ac.signal })) {
      kept.push(f.frame);
      seen += 1;
      if (seen === after) ac.abort();
    }
  } catch (e) {
    error = (e as Error).name;
  }
  // Borrowed frames are closed by the source: a closed VideoFrame has format null.
  const openAfter = kept.filter((f) => f.format !== null).length;
  return { error, seen, openAfter };
}

/** A writer cancelled half-way discards everything and rejects further frames. */
async function cancelWrite(url: string): Promise<{ afterCancel: string }> {
  const file = await load(url);
  const facts = await probeVideo(file);
  const ac = new AbortController();
  const writer = await createMp4Writer({ width: facts.codedWidth, height: facts.codedHeight, frameRate: facts.frameRate, audioSource: file, signal: ac.signal });
  let n = 0;
  let afterCancel = 'none';
  for await (const f of decodeFrames(file)) {
    if (n === 3) ac.abort();
    try {
      await writer.addFrame(f.frame, f.timestamp, f.duration);
    } catch (e) {
      afterCancel = (e as Error).name;
      break;
    }
    n += 1;
  }
  await writer.cancel();
  return { afterCancel };
}

declare global {
  interface Window {
    media: {
      probe(url: string): Promise<VideoFacts>;
      roundTrip: typeof roundTrip;
      failure: typeof failure;
      range: typeof range;
      cancelDecode: typeof cancelDecode;
      cancelWrite: typeof cancelWrite;
    };
  }
}

window.media = { probe: async (url) => probeVideo(await load(url)), roundTrip, failure, range, cancelDecode, cancelWrite };
document.getElementById('status')!.textContent = 'ready';
