// createMp4Writer: encodes restored frames and muxes an MP4 as it goes, with
// the input's audio. Video: H.264 if this browser can encode it at this size,
// else VP9, else AV1 (codec-choice.ts). Every frame keeps the timestamp and
// duration it is given, so variable frame rate stays variable; the rotation
// goes into the track header. Audio: see planAudio (copy AAC/Opus/MP3, else
// re-encode to Opus, else drop with a reason).
import {
  AudioSampleSink,
  AudioSampleSource,
  canEncodeAudio,
  canEncodeVideo,
  EncodedAudioPacketSource,
  EncodedPacketSink,
  Mp4OutputFormat,
  Output,
  Quality,
  StreamTarget,
  VideoSample,
  VideoSampleSource,
  type AudioCodec,
  type InputAudioTrack,
  type StreamTargetChunk,
} from 'mediabunny';
import { ByteCollector } from './byte-collector';
import {
  chooseVideoCodec,
  codecName,
  defaultVideoBitrate,
  normalizeRotation,
  planAudio,
  VIDEO_CODEC_PREFERENCE,
  type AudioPlan,
  type CanEncodeVideo,
  type OutputVideoCodec,
  type VideoCodecChoice,
} from './codec-choice';
import { CancelledError, EncodeError, isAbortError, toUserError } from './errors';
import { openInput, type OpenedInput } from './open-input';

export interface Mp4WriterOptions {
  /** Frame size of what you will add (coded orientation). */
  width: number;
  height: number;
  /** Average frames per second of the input (bitrate and key-frame spacing only; timestamps are never snapped). */
  frameRate: number;
  /** Clockwise display rotation to store (the input's VideoFacts.rotation). Default 0. */
  rotation?: number;
  /** The original file: its primary audio track goes into the output (copied, converted or dropped). null = no audio. */
  audioSource?: Blob | null;
  /** Video bitrate in bit/s. Default: ≈ 0.25 bit per pixel per frame, at least 1 Mbit/s. */
  bitrate?: number;
  /** Seconds between key frames. Default 2. */
  keyFrameInterval?: number;
  /** Codecs to try in order. Default H.264, VP9, AV1. */
  codecs?: readonly OutputVideoCodec[];
  /** Capability check (tests inject one). Default: mediabunny canEncodeVideo at this size and bitrate. */
  canEncodeVideo?: CanEncodeVideo;
  /**
   * Where the bytes go, as they are produced. Default: kept in memory and
   * returned as `blob`. Any WritableStream of positioned writes works, e.g. an
   * OPFS `FileSystemWritableFileStream` (then `blob` is null).
   */
  target?: WritableStream<StreamTargetChunk>;
  /** Aborting cancels the writer (like `cancel()`); `addFrame` then throws CancelledError. */
  signal?: AbortSignal;
}

/** What happened to the audio (structurally the page's `AudioOutcome`). */
export interface AudioOutcome {
  kind: 'copied' | 'reencoded' | 'dropped' | 'none';
  /** Plain words for the page. */
  message: string;
}

export interface Mp4Result {
  /** The MP4, or null when `target` was given. */
  blob: Blob | null;
  bytes: number;
  frames: number;
  videoCodec: OutputVideoCodec;
  /** Plain words, e.g. "H.264". */
  videoCodecName: string;
  /** Full MIME type with codec strings, e.g. 'video/mp4; codecs="avc1.42c00c, mp4a.40.2"'. */
  mimeType: string;
  audio: AudioOutcome;
}

export interface Mp4Writer {
  readonly videoCodec: OutputVideoCodec;
  readonly videoCodecName: string;
  /** Which codecs were asked and what the browser answered. */
  readonly codecChoice: VideoCodecChoice;
  /** The audio decision, made before the first frame. */
  readonly audioPlan: AudioPlan;
  /**
   * Encodes one frame with this timestamp and duration (seconds; default: the
   * frame's own). The caller keeps ownership of `frame` and closes it. Await
   * it: it resolves when the encoder and muxer can take the next one.
   */
  addFrame(frame: VideoFrame, timestamp?: number, duration?: number): Promise<void>;
  /** Flushes the encoder, finishes the audio and the file. */
  finish(): Promise<Mp4Result>;
  /** Stops everything and throws the output away. Safe to call at any time, twice, or after a failure. */
  cancel(): Promise<void>;
}

const OUTPUT_FORMAT = () => new Mp4OutputFormat({ fastStart: false });

/**
 * Picks the codec, plans the audio, starts the MP4. Throws EncodeError when
 * no codec can be encoded, CancelledError when `signal` is already aborted.
 */
export async function createMp4Writer(options: Mp4WriterOptions): Promise<Mp4Writer> {
  const { width, height, signal } = options;
  if (signal?.aborted) throw new CancelledError({ cause: signal.reason });
  if (!(width > 0 && height > 0)) throw new RangeError(`bad output size ${width}×${height}`);
  const bitrate = Math.round(options.bitrate ?? defaultVideoBitrate(width, height, options.frameRate));
  const canEncode: CanEncodeVideo =
    options.canEncodeVideo ??
    ((codec, size) =>
      // 4:2:0 H.264 needs even sides; leave odd sizes to VP9/AV1.
      codec === 'avc' && (size.width % 2 !== 0 || size.height % 2 !== 0)
        ? Promise.resolve(false)
        : canEncodeVideo(codec, { width: size.width, height: size.height, bitrate }));
  const choice = await chooseVideoCodec({ width, height }, canEncode, options.codecs ?? VIDEO_CODEC_PREFERENCE);
  if (!choice) {
    throw new EncodeError(
      `This browser cannot encode ${(options.codecs ?? VIDEO_CODEC_PREFERENCE).map((c) => codecName(c)).join(', ')} video at ${width}×${height}, so no MP4 can be written.`,
    );
  }

  // Audio: open the original file once more (the frame source has its own Input).
  let audioInput: OpenedInput | null = null;
  let audioTrack: InputAudioTrack | null = null;
  if (options.audioSource) {
    try {
      audioInput = await openInput(options.audioSource, signal);
      audioTrack = audioInput.audio;
    } catch (e) {
      if (isAbortError(e)) throw e;
      audioInput = null; // An unreadable source only loses the audio; the frame source reports the file's problem.
    }
  }
  let plan: AudioPlan;
  try {
    plan = await planAudio(
      audioTrack
        ? {
            codec: await audioTrack.getCodec(),
            internalId: await audioTrack.getInternalCodecId().catch(() => null),
            channels: await audioTrack.getNumberOfChannels(),
            sampleRate: await audioTrack.getSampleRate(),
          }
        : null,
      {
        canDecode: () => audioTrack!.canDecode(),
        canEncodeOpus: (numberOfChannels, sampleRate) => canEncodeAudio('opus', { numberOfChannels, sampleRate }),
      },
    );
  } catch (e) {
    audioInput?.input.dispose();
    throw toUserError(e, { stage: 'read' });
  }

  const collector = options.target ? null : new ByteCollector();
  const writable = options.target ?? collector!.writable();
  const output = new Output({ format: OUTPUT_FORMAT(), target: new StreamTarget(writable, { chunked: true, chunkSize: 1 << 20 }) });
  const videoSource = new VideoSampleSource({
    codec: choice.codec,
    quality: new Quality({ bitrate }),
    keyFrameInterval: options.keyFrameInterval ?? 2,
    latencyMode: 'quality',
  });
  // No `frameRate` on the track: it would snap every timestamp to a 1/fps grid
  // (breaking VFR). The MP4 timescale is then mediabunny's 57600 Hz (≈ 17 µs).
  output.addVideoTrack(videoSource, { rotation: normalizeRotation(options.rotation) });

  let pumpAudio: (() => Promise<AudioOutcome>) | null = null;
  let outcome: AudioOutcome = { kind: plan.kind === 'none' ? 'none' : 'dropped', message: plan.reason };
  const audioAbort = new AbortController();
  if (audioTrack && plan.kind === 'copy') {
    const track = audioTrack;
    const source = new EncodedAudioPacketSource(plan.codec as AudioCodec);
    output.addAudioTrack(source);
    pumpAudio = () => copyAudio(track, source, plan.reason, audioAbort.signal);
  } else if (audioTrack && plan.kind === 'reencode') {
    const track = audioTrack;
    const source = new AudioSampleSource({
      codec: 'opus',
      quality: new Quality({ bitrate: plan.channels > 1 ? 128_000 : 64_000 }),
      transform: { sampleRate: plan.sampleRate, numberOfChannels: plan.channels },
    });
    output.addAudioTrack(source);
    pumpAudio = () => reencodeAudio(track, source, plan.reason, audioAbort.signal);
  }

  let state: 'open' | 'finishing' | 'done' | 'cancelled' = 'open';
  let frames = 0;
  let audioDone: Promise<AudioOutcome> | null = null;

  const cancel = async () => {
    if (state === 'done' || state === 'cancelled') return;
    state = 'cancelled';
    audioAbort.abort();
    await output.cancel().catch(() => undefined);
    await audioDone?.catch(() => undefined);
    audioInput?.input.dispose();
    collector?.discard();
  };
  const onAbort = () => void cancel();
  signal?.addEventListener('abort', onAbort, { once: true });

  try {
    await output.start();
  } catch (e) {
    await cancel();
    signal?.removeEventListener('abort', onAbort);
    throw toUserError(e, { stage: 'encode' });
  }
  if (pumpAudio) {
    audioDone = pumpAudio();
    audioDone.catch(() => undefined); // awaited in finish(); never an unhandled rejection
  }

  const failed = async (e: unknown): Promise<never> => {
    const aborted = signal?.aborted || state === 'cancelled';
    await cancel();
    signal?.removeEventListener('abort', onAbort);
    if (aborted) throw new CancelledError({ cause: e });
    throw toUserError(e, { stage: 'encode' });
  };

  return {
    videoCodec: choice.codec,
    videoCodecName: codecName(choice.codec),
    codecChoice: choice,
    audioPlan: plan,

    async addFrame(frame, timestamp, duration) {
      if (state === 'cancelled') throw new CancelledError();
      if (state !== 'open') throw new Error('addFrame after finish()');
      const init: { timestamp?: number; duration?: number } = {};
      if (timestamp !== undefined) init.timestamp = timestamp;
      if (duration !== undefined) init.duration = duration;
      // The sample owns (and closes) a clone; the caller's frame stays open.
      const sample = new VideoSample(frame.clone(), init);
      try {
        await videoSource.add(sample);
        frames += 1;
      } catch (e) {
        return failed(e);
      } finally {
        sample.close();
      }
    },

    async finish() {
      if (state === 'cancelled') throw new CancelledError();
      if (state !== 'open') throw new Error('finish() called twice');
      state = 'finishing';
      try {
        videoSource.close();
        if (audioDone) outcome = await audioDone;
        await output.finalize();
      } catch (e) {
        state = 'open';
        return failed(e);
      }
      state = 'done';
      signal?.removeEventListener('abort', onAbort);
      audioInput?.input.dispose();
      const mimeType = await output.getMimeType().catch(() => 'video/mp4');
      const blob = collector ? collector.toBlob('video/mp4') : null;
      return {
        blob,
        bytes: collector ? collector.size : 0,
        frames,
        videoCodec: choice.codec,
        videoCodecName: codecName(choice.codec),
        mimeType,
        audio: outcome,
      };
    },

    cancel: async () => {
      await cancel();
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

function formatTime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Copies the packets as they are (decode order); the first one carries the decoder config. */
async function copyAudio(
  track: InputAudioTrack,
  source: EncodedAudioPacketSource,
  reason: string,
  signal: AbortSignal,
): Promise<AudioOutcome> {
  const decoderConfig = (await track.getDecoderConfig()) ?? undefined;
  let first = true;
  let lastEnd = 0;
  try {
    for await (const packet of new EncodedPacketSink(track).packets()) {
      if (signal.aborted) break;
      await source.add(packet, first && decoderConfig ? { decoderConfig } : undefined);
      first = false;
      lastEnd = packet.timestamp + packet.duration;
    }
  } catch (e) {
    if (signal.aborted) throw e;
    source.close();
    return { kind: 'copied', message: `${reason.replace(/\.$/, '')}, but it stops at ${formatTime(lastEnd)}: the rest of it could not be read.` };
  }
  source.close();
  return { kind: 'copied', message: reason };
}

/** Decodes the track and encodes it again as Opus. */
async function reencodeAudio(
  track: InputAudioTrack,
  source: AudioSampleSource,
  reason: string,
  signal: AbortSignal,
): Promise<AudioOutcome> {
  let lastEnd = 0;
  try {
    for await (const sample of new AudioSampleSink(track).samples()) {
      try {
        if (signal.aborted) break;
        await source.add(sample);
        lastEnd = sample.timestamp + sample.duration;
      } finally {
        sample.close();
      }
    }
  } catch (e) {
    if (signal.aborted) throw e;
    source.close();
    return { kind: 'reencoded', message: `${reason.replace(/\.$/, '')}, but it stops at ${formatTime(lastEnd)}: the rest of it could not be decoded.` };
  }
  source.close();
  return { kind: 'reencoded', message: reason };
}
