// Wiring of the pipeline to the media layer and the engine (worker side only).
//
// TEMPORARY: src/media/ and src/model/ were not there yet when this glue was
// written, so the media part below uses mediabunny directly and the restorer
// is an identity stand-in. Both get replaced by thin adapters over the real
// modules as soon as they land (see docs/app.md).
import {
  ALL_FORMATS,
  BlobSource,
  BufferTarget,
  canEncodeAudio,
  EncodedAudioPacketSource,
  EncodedPacketSink,
  getFirstEncodableVideoCodec,
  Input,
  Mp4OutputFormat,
  Output,
  UnsupportedInputFormatError,
  VideoSample,
  VideoSampleSink,
  VideoSampleSource,
  type InputAudioTrack,
  type InputVideoTrack,
  type Rotation,
} from 'mediabunny';
import { maxPixelsFromLimit, type Deps, type EngineDeps, type FrameWriter, type MediaDeps, type ProbeFacts, type Restorer, type SourceFrame } from './pipeline';
import type { AudioOutcome, Size, UserError } from './protocol';

// ---- media (mediabunny) ----------------------------------------------------

class MediaProblem extends Error {
  readonly user: UserError;
  constructor(user: UserError) {
    super(user.message);
    this.user = user;
  }
}

const CODEC_NAMES: Record<string, string> = {
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
};

const codecName = (c: string | null): string => (c ? (CODEC_NAMES[c] ?? c.toUpperCase()) : 'an unknown codec');

interface Opened {
  input: Input;
  video: InputVideoTrack;
  audio: InputAudioTrack | null;
}

async function openInput(file: File): Promise<Opened> {
  const input = new Input({ source: new BlobSource(file), formats: ALL_FORMATS });
  try {
    try {
      await input.getFormat();
    } catch (e) {
      if (e instanceof UnsupportedInputFormatError || /format|unsupported|recogni/i.test(String(e))) {
        throw new MediaProblem({
          code: 'not-video',
          title: 'This is not a video Unblur can read',
          message: `"${file.name}" is not an MP4, MOV or WebM video (or its header is damaged). Choose a video file.`,
        });
      }
      throw e;
    }
    const video = await input.getPrimaryVideoTrack();
    if (!video) {
      throw new MediaProblem({
        code: 'no-video-track',
        title: 'This file has no video',
        message: `"${file.name}" contains no video track (it may be audio only). Choose a file with moving pictures.`,
      });
    }
    if (!(await video.canDecode())) {
      throw new MediaProblem({
        code: 'unsupported-codec',
        title: 'This browser cannot decode this video',
        message:
          `The video is encoded as ${codecName(video.codec)}, which this browser cannot decode. ` +
          'Convert it to H.264, VP9 or AV1 (for example with HandBrake or ffmpeg) and try again.',
      });
    }
    const audio = await input.getPrimaryAudioTrack();
    return { input, video, audio };
  } catch (e) {
    input.dispose();
    if (e instanceof MediaProblem) throw e;
    throw new MediaProblem(corrupt(file.name));
  }
}

function corrupt(name: string): UserError {
  return {
    code: 'corrupt',
    title: 'This video is damaged',
    message: `"${name}" could not be read to the end: the file is damaged or incomplete (was the download or copy cut short?).`,
  };
}

async function probe(file: File): Promise<ProbeFacts> {
  const { input, video, audio } = await openInput(file);
  try {
    const stats = await video.computePacketStats();
    if (stats.packetCount > 0) {
      // A cut-short file still has its full index; its last frames' bytes are missing.
      const sink = new EncodedPacketSink(video);
      const lastMeta = await sink.getPacket(Infinity, { metadataOnly: true });
      const last = lastMeta ? await sink.getPacket(lastMeta.timestamp) : null;
      if (!last || last.data.byteLength === 0) throw new MediaProblem(corrupt(file.name));
    }
    const duration = await video.computeDuration();
    const first = await video.getFirstTimestamp();
    return {
      width: video.codedWidth,
      height: video.codedHeight,
      rotation: video.rotation,
      frameCount: stats.packetCount,
      durationSeconds: Math.max(0, duration - first),
      videoCodec: codecName(video.codec),
      audio: audio ? `${codecName(audio.codec)}, ${Math.round(audio.sampleRate / 100) / 10} kHz, ${audio.numberOfChannels === 1 ? 'mono' : audio.numberOfChannels === 2 ? 'stereo' : `${audio.numberOfChannels} channels`}` : null,
    };
  } catch (e) {
    if (e instanceof MediaProblem) throw e;
    throw new MediaProblem(corrupt(file.name));
  } finally {
    input.dispose();
  }
}

async function* frames(file: File, signal: AbortSignal, range?: { first: number; last: number }): AsyncGenerator<SourceFrame> {
  const { input, video } = await openInput(file);
  const first = await video.getFirstTimestamp();
  let index = 0;
  let yielded = 0;
  try {
    const sink = new VideoSampleSink(video);
    let iter: AsyncGenerator<VideoSample, void, unknown>;
    try {
      iter = sink.samples();
    } catch {
      throw new MediaProblem(corrupt(file.name));
    }
    for (;;) {
      if (signal.aborted) break;
      let r: IteratorResult<VideoSample, void>;
      try {
        r = await iter.next();
      } catch {
        throw new MediaProblem(corrupt(file.name));
      }
      if (r.done) break;
      const sample = r.value;
      const i = index++;
      if (range && i < range.first) {
        sample.close();
        continue;
      }
      if (range && i > range.last) {
        sample.close();
        break;
      }
      const frame = sample.toVideoFrame();
      const ts = sample.timestamp - first;
      const dur = sample.duration;
      sample.close();
      yielded += 1;
      yield { frame, timestamp: ts, duration: dur };
    }
    await iter.return?.();
  } finally {
    input.dispose();
  }
  void yielded;
}

async function createWriter(
  file: File,
  o: { width: number; height: number; rotation: number; fps: number; signal: AbortSignal },
): Promise<FrameWriter> {
  const codec = await getFirstEncodableVideoCodec(['avc', 'vp9', 'av1'], { width: o.width, height: o.height });
  if (!codec) {
    throw new MediaProblem({
      code: 'encode',
      title: 'This browser cannot write video',
      message: 'None of H.264, VP9 or AV1 can be encoded by this browser, so no MP4 can be written.',
    });
  }
  const output = new Output({ format: new Mp4OutputFormat({ fastStart: 'in-memory' }), target: new BufferTarget() });
  // Restored frames are full of fine detail: spend bits (≈ 0.25 bit per pixel, at least 1 Mbit/s).
  const bitrate = Math.max(1_000_000, Math.round(o.width * o.height * Math.max(1, o.fps) * 0.25));
  const source = new VideoSampleSource({ codec, bitrate, keyFrameInterval: 2 });
  output.addVideoTrack(source, { rotation: ((((o.rotation % 360) + 360) % 360) as Rotation), frameRate: o.fps });

  // Audio: copy AAC/Opus/MP3 packets as they are; otherwise leave it out and say why.
  let audio: AudioOutcome = { kind: 'none', message: 'The video had no audio.' };
  let copyAudio: (() => Promise<void>) | null = null;
  const opened = await openInput(file);
  const at = opened.audio;
  if (at) {
    const ac = at.codec;
    if (ac === 'aac' || ac === 'opus' || ac === 'mp3') {
      const asrc = new EncodedAudioPacketSource(ac);
      output.addAudioTrack(asrc);
      audio = { kind: 'copied', message: `${codecName(ac)} audio copied unchanged.` };
      copyAudio = async () => {
        const sink = new EncodedPacketSink(at);
        const config = await at.getDecoderConfig();
        let firstPacket = true;
        for await (const packet of sink.packets()) {
          await asrc.add(packet, firstPacket && config ? { decoderConfig: config } : undefined);
          firstPacket = false;
        }
        asrc.close();
      };
    } else {
      const opus = await canEncodeAudio('opus').catch(() => false);
      audio = {
        kind: 'dropped',
        message: `The ${codecName(ac)} audio was left out: MP4 keeps AAC, Opus or MP3${opus ? '' : ', and this browser cannot convert it'}.`,
      };
    }
  }
  await output.start();
  const audioDone = copyAudio ? copyAudio() : Promise.resolve();
  audioDone.catch(() => undefined);

  return {
    async add(frame) {
      const sample = new VideoSample(frame);
      try {
        await source.add(sample);
      } finally {
        sample.close();
      }
    },
    async finish() {
      source.close();
      await audioDone;
      await output.finalize();
      opened.input.dispose();
      const buf = (output.target as BufferTarget).buffer;
      if (!buf) throw new Error('no output');
      return { blob: new Blob([buf], { type: 'video/mp4' }), videoCodec: codecName(codec), audio };
    },
    async cancel() {
      await output.cancel().catch(() => undefined);
      opened.input.dispose();
    },
  };
}

function mediaDeps(): MediaDeps {
  return {
    probe: (file) => probe(file),
    frames,
    createWriter,
    toUserError: (e) => (e instanceof MediaProblem ? e.user : null),
  };
}

// ---- engine ------------------------------------------------------------------

async function engineDeps(): Promise<EngineDeps> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  let device: GPUDevice | null = null;
  let lost = false;
  let maxPixels: number | null = null;
  if (gpu) {
    const adapter = (await gpu.requestAdapter({ powerPreference: 'high-performance' })) ?? (await gpu.requestAdapter({ forceFallbackAdapter: true }));
    if (adapter) {
      maxPixels = maxPixelsFromLimit(Math.min(adapter.limits.maxStorageBufferBindingSize, adapter.limits.maxBufferSize));
      device = await adapter.requestDevice();
      void device.lost.then(() => {
        lost = true;
      });
    }
  }
  return {
    maxPixels: async () => maxPixels,
    async createRestorer(_modelId: string, _size: Size): Promise<Restorer> {
      if (!device) {
        throw new MediaProblem({
          code: 'no-webgpu',
          title: 'This browser gives Unblur no GPU',
          message: 'Restoring frames needs WebGPU, which this browser does not offer right now.',
        });
      }
      return identityRestorer();
    },
    deviceLost: () => lost,
    note: () =>
      'The deblurring model is not wired into this build yet: frames pass through the pipeline unchanged ' +
      '(a stand-in with the engine\'s 2-frame delay keeps decode, encode and the page testable).',
    loseDevice: () => {
      // destroy() resolves device.lost a little later; the pipeline should stop at once.
      lost = true;
      device?.destroy();
    },
  };
}

/** Stand-in with the engine's contract: 2-frame delay, flush at the end. */
function identityRestorer(): Restorer {
  const q: Float32Array[] = [];
  return {
    async push(rgb) {
      q.push(rgb);
      return q.length > 2 ? [q.shift()!] : [];
    },
    async flush() {
      return q.splice(0);
    },
    dispose() {
      q.length = 0;
    },
  };
}

export async function createDeps(): Promise<Deps> {
  return { media: mediaDeps(), engine: await engineDeps() };
}
