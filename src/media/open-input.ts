// Opening a file with mediabunny, shared by probe.ts, frame-source.ts and
// mp4-writer.ts: the container is recognised or NotAVideoError, the header
// reads or CorruptFileError. The caller disposes `input`.
import { ALL_FORMATS, BlobSource, Input, type InputAudioTrack, type InputVideoTrack } from 'mediabunny';
import { CancelledError, CorruptFileError, NoVideoTrackError, NotAVideoError, toUserError } from './errors';

export interface OpenedInput {
  input: Input;
  /** mediabunny's format name ("MP4", "WebM", "QuickTime File Format", ...). */
  container: string;
  video: InputVideoTrack | null;
  audio: InputAudioTrack | null;
}

/**
 * The error for a file without a video track: NoVideoTrackError when it has
 * other tracks (audio only), CorruptFileError when it has none at all (a
 * container with no tracks is a cut-short file whose index never got written,
 * e.g. an MP4 with its moov box at the end).
 */
export async function missingVideoError(opened: OpenedInput, fileName: string | undefined): Promise<Error> {
  const tracks = await opened.input.getTracks().catch(() => []);
  if (tracks.length === 0) return new CorruptFileError(fileName, { detail: 'it has no track index' });
  return new NoVideoTrackError(fileName, { hasAudio: opened.audio !== null });
}

export function fileNameOf(file: Blob): string | undefined {
  return typeof File !== 'undefined' && file instanceof File ? file.name : undefined;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError({ cause: signal.reason });
}

/** Opens `file`; throws NotAVideoError, CorruptFileError or CancelledError. */
export async function openInput(file: Blob, signal?: AbortSignal): Promise<OpenedInput> {
  throwIfAborted(signal);
  const fileName = fileNameOf(file);
  const input = new Input({ source: new BlobSource(file), formats: ALL_FORMATS });
  const onAbort = () => input.dispose();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let format;
    try {
      format = await input.getFormat();
    } catch (e) {
      throwIfAborted(signal);
      // No container mediabunny knows; an empty or tiny file is not a video either.
      if ((e as { name?: string })?.name === 'UnsupportedInputFormatError' || file.size < 16) {
        throw new NotAVideoError(fileName, { cause: e });
      }
      throw toUserError(e, { fileName, stage: 'read' });
    }
    let video: InputVideoTrack | null;
    let audio: InputAudioTrack | null;
    try {
      video = await input.getPrimaryVideoTrack();
      audio = await input.getPrimaryAudioTrack();
    } catch (e) {
      throwIfAborted(signal);
      throw new CorruptFileError(fileName, { cause: e });
    }
    return { input, container: format.name, video, audio };
  } catch (e) {
    input.dispose();
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
