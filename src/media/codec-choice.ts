// Pure decisions about codecs: plain-words names, which video codec the MP4
// gets, and what happens to the audio. The browser's capabilities come in as
// functions, so the rules are unit-tested in Node with fakes; mp4-writer.ts
// passes mediabunny's real checks.

/** mediabunny's video codec ids (`VideoCodec`), kept as plain strings here. */
export type OutputVideoCodec = 'avc' | 'vp9' | 'av1';

/** Preference for the output: H.264 plays everywhere, then VP9, then AV1. */
export const VIDEO_CODEC_PREFERENCE: readonly OutputVideoCodec[] = ['avc', 'vp9', 'av1'];

/** Audio codecs an MP4 can carry that players also accept: copied unchanged. */
export const MP4_COPYABLE_AUDIO: readonly string[] = ['aac', 'opus', 'mp3'];

const NAMES: Record<string, string> = {
  avc: 'H.264',
  hevc: 'HEVC (H.265)',
  vp9: 'VP9',
  vp8: 'VP8',
  av1: 'AV1',
  prores: 'ProRes',
  aac: 'AAC',
  opus: 'Opus',
  mp3: 'MP3',
  vorbis: 'Vorbis',
  flac: 'FLAC',
  ac3: 'Dolby Digital (AC-3)',
  eac3: 'Dolby Digital Plus (E-AC-3)',
  dts: 'DTS',
  ulaw: 'μ-law PCM',
  alaw: 'A-law PCM',
};

/**
 * A codec in plain words: "H.264", "HEVC (H.265)", "PCM audio", ... For a
 * codec mediabunny does not know (`null`), the container's own id when there is
 * one (e.g. "mp4v"), else "an unknown codec".
 */
export function codecName(codec: string | null | undefined, internalId?: unknown): string {
  if (codec) {
    if (codec.startsWith('pcm-')) return 'PCM audio';
    return NAMES[codec] ?? codec.toUpperCase();
  }
  if (typeof internalId === 'string' && internalId.trim()) return `an unknown codec ("${internalId.trim()}")`;
  return 'an unknown codec';
}

export type CanEncodeVideo = (codec: OutputVideoCodec, size: { width: number; height: number }) => Promise<boolean>;

export interface VideoCodecChoice {
  codec: OutputVideoCodec;
  /** Every codec asked, in order, with the answer (for the docs / logs). */
  tried: { codec: OutputVideoCodec; ok: boolean }[];
}

/**
 * The first codec of `preference` the browser can encode at this size, or
 * null when none can. A capability check that throws counts as "no".
 */
export async function chooseVideoCodec(
  size: { width: number; height: number },
  canEncode: CanEncodeVideo,
  preference: readonly OutputVideoCodec[] = VIDEO_CODEC_PREFERENCE,
): Promise<VideoCodecChoice | null> {
  const tried: VideoCodecChoice['tried'] = [];
  for (const codec of preference) {
    let ok = false;
    try {
      ok = await canEncode(codec, size);
    } catch {
      ok = false;
    }
    tried.push({ codec, ok });
    if (ok) return { codec, tried };
  }
  return null;
}

export interface AudioTrackInfo {
  /** mediabunny's codec id, or null when it does not know the codec. */
  codec: string | null;
  /** Container's codec id for unknown codecs (shown in the reason). */
  internalId?: unknown;
  channels: number;
  sampleRate: number;
}

export interface AudioCapabilities {
  /** Can the browser decode this track (mediabunny `InputAudioTrack.canDecode`)? */
  canDecode(): Promise<boolean>;
  /** Can the browser encode Opus with these channels / sample rate? */
  canEncodeOpus(channels: number, sampleRate: number): Promise<boolean>;
}

/** What happens to the input's audio; `reason` is plain words for the page. */
export type AudioPlan =
  | { kind: 'none'; reason: string }
  | { kind: 'copy'; codec: string; reason: string }
  | { kind: 'reencode'; from: string; to: 'opus'; channels: number; sampleRate: number; reason: string }
  | { kind: 'drop'; reason: string };

/** Opus sample rate (the encoder works at 48 kHz; other rates are resampled). */
export const OPUS_SAMPLE_RATE = 48_000;

/**
 * The audio rule: copy AAC/Opus/MP3 packets unchanged (MP4 holds them);
 * otherwise decode and re-encode to Opus when the browser can do both;
 * otherwise leave the audio out and say why.
 */
export async function planAudio(track: AudioTrackInfo | null, caps: AudioCapabilities): Promise<AudioPlan> {
  if (!track) return { kind: 'none', reason: 'The video had no audio.' };
  const name = codecName(track.codec, track.internalId);
  if (track.codec && MP4_COPYABLE_AUDIO.includes(track.codec)) {
    return { kind: 'copy', codec: track.codec, reason: `The ${name} audio was copied unchanged.` };
  }
  const channels = Math.max(1, Math.min(2, track.channels || 2));
  const canDecode = track.codec ? await caps.canDecode().catch(() => false) : false;
  if (!canDecode) {
    return {
      kind: 'drop',
      reason: `The audio was left out: it is ${name}, which an MP4 file cannot hold and this browser cannot convert.`,
    };
  }
  const canOpus = await caps.canEncodeOpus(channels, OPUS_SAMPLE_RATE).catch(() => false);
  if (!canOpus) {
    return {
      kind: 'drop',
      reason: `The audio was left out: it is ${name}, which an MP4 file cannot hold, and this browser cannot encode Opus to convert it.`,
    };
  }
  return {
    kind: 'reencode',
    from: track.codec ?? 'unknown',
    to: 'opus',
    channels,
    sampleRate: OPUS_SAMPLE_RATE,
    reason: `The ${name} audio was converted to Opus (an MP4 file cannot hold ${name}).`,
  };
}

/** Default video bitrate: ≈ 0.25 bit per pixel per frame, at least 1 Mbit/s. Restored frames are detailed. */
export function defaultVideoBitrate(width: number, height: number, frameRate: number): number {
  const fps = Number.isFinite(frameRate) && frameRate > 0 ? Math.min(frameRate, 120) : 30;
  return Math.max(1_000_000, Math.round(width * height * fps * 0.25));
}

/** Normalises any angle to the four MP4 rotations (clockwise degrees). */
export function normalizeRotation(rotation: number | undefined): 0 | 90 | 180 | 270 {
  const r = ((Math.round((rotation ?? 0) / 90) * 90) % 360 + 360) % 360;
  return r as 0 | 90 | 180 | 270;
}
