// probeVideo: what the app needs to know about a dropped file before any
// frame is decoded (size, rotation, frames, timing, codecs, audio), read from
// the container's index only. `assertCanProcess` turns the facts into the
// named errors (codec, zero frames, resolution limit).
import { EncodedPacketSink, IsobmffInputFormat, type InputAudioTrack, type InputVideoTrack } from 'mediabunny';
import { codecName } from './codec-choice';
import {
  checkResolution,
  CorruptFileError,
  toUserError,
  UnsupportedCodecError,
  ZeroFramesError,
  type ResolutionLimit,
} from './errors';
import { fileNameOf, missingVideoError, openInput, throwIfAborted } from './open-input';

export interface AudioFacts {
  /** mediabunny codec id ("aac", "opus", "mp3", "vorbis", "pcm-s16", ...) or null when unknown. */
  codec: string | null;
  /** Plain words, e.g. "AAC". */
  codecName: string;
  /** Full codec string (e.g. "mp4a.40.2") when known. */
  codecString: string | null;
  channels: number;
  sampleRate: number;
  canDecode: boolean;
}

export interface VideoFacts {
  /** Container format in words, as mediabunny names it ("MP4", "WebM", "QuickTime File Format", ...). */
  container: string;
  /** Coded frame size: what decoded frames, the network and the encoder use. */
  codedWidth: number;
  codedHeight: number;
  /** Size as shown to the viewer (after pixel aspect ratio and rotation). */
  displayWidth: number;
  displayHeight: number;
  /** Clockwise rotation from the container (applied by players; the output keeps it). */
  rotation: 0 | 90 | 180 | 270;
  /** Number of frames: exact when `frameCountExact`, else duration × average frame rate. */
  frameCount: number;
  frameCountExact: boolean;
  /** Presentation time of the first frame, seconds (usually 0). */
  startTime: number;
  /** End of the last frame minus `startTime`, seconds. */
  durationSeconds: number;
  /** Average frames per second (frameCount / duration). */
  frameRate: number;
  /** True when the gaps between frames are not all equal (VFR, or dropped frames). */
  variableFrameRate: boolean;
  /** All timestamps are multiples of 1 / timeResolution seconds (the track's timescale). */
  timeResolution: number;
  /** mediabunny codec id ("avc", "hevc", "vp9", "av1", "vp8", "prores") or null when unknown. */
  videoCodec: string | null;
  /** Plain words, e.g. "H.264". */
  videoCodecName: string;
  /** Full codec string (e.g. "avc1.64000c") when known. */
  videoCodecString: string | null;
  /** Whether this browser can decode the video track. */
  canDecode: boolean;
  audio: AudioFacts | null;
}

export interface ProbeOptions {
  signal?: AbortSignal;
  /**
   * Read the last frame's bytes to catch a file that was cut short (its index
   * is complete but the data is missing). Default true; costs one small read.
   */
  checkTruncation?: boolean;
}

/** Packets to look at when the frame count has to be estimated (non-MP4 containers). */
const ESTIMATE_PACKETS = 300;

/**
 * Reads the container's facts. Throws NotAVideoError, CorruptFileError,
 * NoVideoTrackError or CancelledError; an undecodable codec or zero frames
 * are facts here (`canDecode`, `frameCount`), see `assertCanProcess`.
 */
export async function probeVideo(file: Blob, options: ProbeOptions = {}): Promise<VideoFacts> {
  const { signal } = options;
  const fileName = fileNameOf(file);
  const opened = await openInput(file, signal);
  const { input, video, audio } = opened;
  const onAbort = () => input.dispose();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (!video) throw await missingVideoError(opened, fileName);
    const facts = await readVideoFacts(opened.container, video, input.getFormat(), fileName);
    facts.audio = audio ? await readAudioFacts(audio) : null;
    throwIfAborted(signal);
    if (options.checkTruncation !== false && facts.frameCount > 0) await checkLastPacket(video, fileName);
    return facts;
  } catch (e) {
    throwIfAborted(signal);
    throw toUserError(e, { fileName, stage: 'read' });
  } finally {
    signal?.removeEventListener('abort', onAbort);
    input.dispose();
  }
}

async function readVideoFacts(
  container: string,
  video: InputVideoTrack,
  format: Promise<unknown>,
  fileName: string | undefined,
): Promise<VideoFacts> {
  const codec = await video.getCodec();
  const isobmff = (await format) instanceof IsobmffInputFormat;
  const [codecString, canDecode, codedWidth, codedHeight, displayWidth, displayHeight, rotation, timeResolution] =
    await Promise.all([
      video.getCodecParameterString().catch(() => null),
      codec ? video.canDecode().catch(() => false) : Promise.resolve(false),
      video.getCodedWidth(),
      video.getCodedHeight(),
      video.getDisplayWidth(),
      video.getDisplayHeight(),
      video.getRotation(),
      video.getTimeResolution(),
    ]);
  const internalId = codec ? null : await video.getInternalCodecId().catch(() => null);

  // MP4/MOV keep a sample table: the exact count is cheap. Other containers
  // would need a scan of the whole file, so a prefix gives an estimate.
  const stats = await video.computePacketStats(isobmff ? undefined : ESTIMATE_PACKETS);
  const scannedAll = isobmff || stats.packetCount < ESTIMATE_PACKETS;
  let startTime = 0;
  let end = 0;
  if (stats.packetCount > 0) {
    startTime = await video.getFirstTimestamp();
    end = await video.computeDuration();
  }
  const durationSeconds = Math.max(0, end - startTime);
  const metrics =
    stats.packetCount > 1 ? await video.computeFrameRateMetrics({ targetPacketCount: scannedAll ? Infinity : 256 }) : null;
  const frameCount = scannedAll
    ? stats.packetCount
    : Math.max(stats.packetCount, Math.round(durationSeconds * (metrics?.averageFrameRate ?? stats.averagePacketRate)));
  const frameRate = durationSeconds > 0 ? frameCount / durationSeconds : (metrics?.averageFrameRate ?? 0);
  if (codedWidth <= 0 || codedHeight <= 0) throw new CorruptFileError(fileName, { detail: 'the frame size is missing' });

  return {
    container,
    codedWidth,
    codedHeight,
    displayWidth,
    displayHeight,
    rotation,
    frameCount,
    frameCountExact: scannedAll,
    startTime,
    durationSeconds,
    frameRate,
    variableFrameRate: metrics ? !metrics.frameRateIsConstant : false,
    timeResolution,
    videoCodec: codec,
    videoCodecName: codecName(codec, internalId),
    videoCodecString: codecString,
    canDecode,
    audio: null,
  };
}

async function readAudioFacts(audio: InputAudioTrack): Promise<AudioFacts> {
  const codec = await audio.getCodec();
  const internalId = codec ? null : await audio.getInternalCodecId().catch(() => null);
  return {
    codec,
    codecName: codecName(codec, internalId),
    codecString: await audio.getCodecParameterString().catch(() => null),
    channels: await audio.getNumberOfChannels(),
    sampleRate: await audio.getSampleRate(),
    canDecode: codec ? await audio.canDecode().catch(() => false) : false,
  };
}

/** A cut-short file keeps its full index, but the last frame's bytes are gone. */
async function checkLastPacket(video: InputVideoTrack, fileName: string | undefined): Promise<void> {
  const sink = new EncodedPacketSink(video);
  let last;
  try {
    last = await sink.getPacket(Infinity);
  } catch (e) {
    throw new CorruptFileError(fileName, { cause: e });
  }
  if (!last || last.data.byteLength === 0 || last.data.byteLength < last.byteLength) {
    throw new CorruptFileError(fileName, { detail: 'its last frames are missing' });
  }
}

/**
 * Throws the named error that stops a file from being restored here:
 * UnsupportedCodecError, ZeroFramesError, or ResolutionTooLargeError (checked
 * on the coded size, which is what the GPU processes) when `limit` is given.
 */
export function assertCanProcess(facts: VideoFacts, limit?: ResolutionLimit, fileName?: string): void {
  if (!facts.canDecode) throw new UnsupportedCodecError(facts.videoCodecName);
  if (facts.frameCount === 0) throw new ZeroFramesError(fileName);
  if (limit) checkResolution({ width: facts.codedWidth, height: facts.codedHeight }, limit);
}
