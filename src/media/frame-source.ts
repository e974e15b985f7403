// decodeFrames: the decoded frames of a file's video track, one at a time, in
// presentation order, with their own timestamps and durations (so variable
// frame rate survives). Streaming: mediabunny decodes a few frames ahead and
// nothing else is kept, so memory does not grow with the video's length.
//
// Ownership: each yielded `frame` is BORROWED. It stays valid until the loop
// asks for the next frame (or ends, breaks or throws); the source closes it
// then. Closing it earlier yourself is fine (close() twice is a no-op); to keep
// a frame longer, `frame.clone()` it and close the clone yourself.
import { EncodedPacketSink, VideoSampleSink, type InputVideoTrack, type VideoSample } from 'mediabunny';
import { codecName } from './codec-choice';
import { CancelledError, CorruptFileError, toUserError, UnsupportedCodecError, ZeroFramesError } from './errors';
import { fileNameOf, missingVideoError, openInput, throwIfAborted } from './open-input';

export interface DecodedFrame {
  /** The decoded picture in coded orientation (rotation is container metadata, see VideoFacts.rotation). Borrowed. */
  frame: VideoFrame;
  /** 0-based position in presentation order within the whole track. */
  index: number;
  /** Presentation time in seconds, exactly as in the file. */
  timestamp: number;
  /** Seconds until the next frame (the last frame's own duration). */
  duration: number;
}

export interface FrameSourceOptions {
  /** Stops decoding between frames (and interrupts a pending decode); the loop then throws CancelledError. */
  signal?: AbortSignal;
  /** First frame index to yield (inclusive, presentation order). Decoding starts at the key frame before it. */
  first?: number;
  /** Last frame index to yield (inclusive). */
  last?: number;
}

/**
 * Decoded frames of the primary video track. Throws (from the loop) the named
 * errors of errors.ts: NotAVideoError, CorruptFileError, NoVideoTrackError,
 * UnsupportedCodecError, ZeroFramesError, CancelledError. A file that is cut
 * short yields the frames it has, then throws CorruptFileError at the end.
 */
export async function* decodeFrames(file: Blob, options: FrameSourceOptions = {}): AsyncGenerator<DecodedFrame, void, undefined> {
  const { signal } = options;
  const fileName = fileNameOf(file);
  const opened = await openInput(file, signal);
  const { input, video } = opened;
  const onAbort = () => input.dispose();
  signal?.addEventListener('abort', onAbort, { once: true });
  let current: VideoFrame | null = null;
  let iter: AsyncGenerator<VideoSample, void, unknown> | null = null;
  let name = 'this codec';
  try {
    if (!video) throw await missingVideoError(opened, fileName);
    const codec = await video.getCodec();
    name = codecName(codec, codec ? null : await video.getInternalCodecId().catch(() => null));
    if (!codec || !(await video.canDecode())) throw new UnsupportedCodecError(name);

    const first = Math.max(0, Math.floor(options.first ?? 0));
    const last = options.last === undefined ? Infinity : Math.floor(options.last);
    if (last < first) return;
    const window = first > 0 || last !== Infinity ? await timestampWindow(video, first, last) : null;
    if (window === 'empty') return;

    const sink = new VideoSampleSink(video);
    iter = window ? sink.samples(window.start, window.end) : sink.samples();
    let index = first;
    for (;;) {
      throwIfAborted(signal);
      const r = await iter.next();
      if (r.done) break;
      const sample = r.value;
      if (window && sample.timestamp < window.start) {
        // Decoded only as a reference for the frames we want.
        sample.close();
        continue;
      }
      current = sample.toVideoFrame();
      const timestamp = sample.timestamp;
      const duration = sample.duration;
      sample.close();
      yield { frame: current, index, timestamp, duration };
      current.close();
      current = null;
      index += 1;
      if (index > last) break;
    }
    throwIfAborted(signal);
    if (!window) {
      // mediabunny ends quietly when a cut-short file's frame data runs out:
      // compare with the index, which still lists every frame.
      const expected = (await video.computePacketStats()).packetCount;
      if (expected === 0) throw new ZeroFramesError(fileName);
      if (index < expected) {
        throw new CorruptFileError(fileName, { detail: `only ${index} of its ${expected} frames could be read` });
      }
    }
  } catch (e) {
    if (signal?.aborted) throw new CancelledError({ cause: signal.reason });
    throw toUserError(e, { fileName, stage: 'decode', codec: name });
  } finally {
    current?.close();
    signal?.removeEventListener('abort', onAbort);
    await iter?.return().catch(() => undefined);
    input.dispose();
  }
}

/**
 * Presentation timestamps of frames `first` and `last + 1`, from the packet
 * index only (no data read). 'empty' when `first` is past the end.
 */
async function timestampWindow(
  video: InputVideoTrack,
  first: number,
  last: number,
): Promise<{ start: number; end: number | undefined } | 'empty'> {
  const sink = new EncodedPacketSink(video);
  const times: number[] = [];
  for await (const p of sink.packets(undefined, undefined, { metadataOnly: true })) times.push(p.timestamp);
  times.sort((a, b) => a - b);
  if (first >= times.length) return 'empty';
  const start = times[first]!;
  const end = last + 1 < times.length ? times[last + 1] : undefined;
  return { start, end };
}
