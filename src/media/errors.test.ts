import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  checkResolution,
  CorruptFileError,
  EncodeError,
  fitResolution,
  isAbortError,
  MediaError,
  MediaProcessingError,
  NotAVideoError,
  ResolutionTooLargeError,
  toUserError,
  UnsupportedCodecError,
  ZeroFramesError,
} from './errors';

const dom = (name: string, message = 'x') => new DOMException(message, name);

describe('toUserError', () => {
  it('keeps a named media error as it is', () => {
    const e = new ZeroFramesError('a.mp4');
    expect(toUserError(e)).toBe(e);
  });

  it("maps mediabunny's UnsupportedInputFormatError to NotAVideoError with the file name", () => {
    const e = Object.assign(new Error('Input has an unsupported or unrecognizable format.'), { name: 'UnsupportedInputFormatError' });
    const u = toUserError(e, { fileName: 'list.mp4' });
    expect(u).toBeInstanceOf(NotAVideoError);
    expect(u.message).toContain('"list.mp4"');
    expect(u.cause).toBe(e);
  });

  it('maps WebCodecs DOMExceptions by name and stage', () => {
    expect(toUserError(dom('EncodingError'), { stage: 'decode' })).toBeInstanceOf(CorruptFileError);
    expect(toUserError(dom('EncodingError'), { stage: 'encode' })).toBeInstanceOf(EncodeError);
    const ns = toUserError(dom('NotSupportedError'), { stage: 'decode', codec: 'HEVC (H.265)' });
    expect(ns).toBeInstanceOf(UnsupportedCodecError);
    expect((ns as UnsupportedCodecError).codec).toBe('HEVC (H.265)');
    expect(ns.message).toContain('HEVC (H.265)');
    expect(toUserError(dom('NotSupportedError'), { stage: 'encode' })).toBeInstanceOf(EncodeError);
    expect(toUserError(dom('NotReadableError'))).toBeInstanceOf(CorruptFileError);
  });

  it('treats aborts as cancellation', () => {
    expect(isAbortError(dom('AbortError'))).toBe(true);
    expect(isAbortError(new CancelledError())).toBe(true);
    expect(isAbortError(new Error('AbortError'))).toBe(false);
    expect(toUserError(dom('AbortError'))).toBeInstanceOf(CancelledError);
  });

  it('reads truncation hints in plain Errors, and the stage', () => {
    expect(toUserError(new Error('Blob reader stopped unexpectedly before all requested data was read.'))).toBeInstanceOf(CorruptFileError);
    expect(toUserError(new Error('whatever'), { stage: 'read' })).toBeInstanceOf(CorruptFileError);
    expect(toUserError(new Error('whatever'), { stage: 'encode' })).toBeInstanceOf(EncodeError);
  });

  it('maps anything else to the generic error, never exposing its text', () => {
    for (const thing of [new TypeError('x is undefined at foo.ts:1:2'), 'a string', 42, null, undefined, { weird: true }]) {
      const u = toUserError(thing);
      expect(u).toBeInstanceOf(MediaProcessingError);
      expect(u.message).not.toMatch(/undefined|foo\.ts|string/);
      expect(u.toUser()).toEqual({ code: 'internal', title: u.title, message: u.message });
    }
  });

  it('gives every error a code, a title and a plain message', () => {
    const all: MediaError[] = [
      new NotAVideoError(),
      new CorruptFileError('a.mp4', { detail: 'its last frames are missing' }),
      new UnsupportedCodecError('ProRes'),
      new ZeroFramesError(),
      new ResolutionTooLargeError({ width: 8000, height: 4000 }, { maxPixels: 8e6 }, { width: 4000, height: 2000 }),
      new EncodeError(),
      new MediaProcessingError(),
    ];
    const codes = new Set(all.map((e) => e.code));
    expect(codes.size).toBe(all.length);
    for (const e of all) {
      expect(e.title.length).toBeGreaterThan(3);
      expect(e.message).toMatch(/\.$/);
      expect(e.name).toBe(e.constructor.name);
    }
  });
});

describe('resolution limit', () => {
  it('passes sizes that fit', () => {
    expect(fitResolution(1920, 1080, { maxDimension: 8192, maxPixels: 8e6 })).toEqual({ width: 1920, height: 1080 });
    expect(() => checkResolution({ width: 1920, height: 1080 }, { maxDimension: 1920 })).not.toThrow();
  });

  it('suggests the largest even size with the same aspect ratio under both limits', () => {
    const s = fitResolution(3840, 2160, { maxPixels: 1920 * 1080 });
    expect(s.width * s.height).toBeLessThanOrEqual(1920 * 1080);
    expect(s.width % 2).toBe(0);
    expect(s.height % 2).toBe(0);
    expect(s.width / s.height).toBeCloseTo(16 / 9, 1);
    expect(s.width).toBeGreaterThan(1900);
    const d = fitResolution(9000, 3000, { maxDimension: 4096 });
    expect(d.width).toBeLessThanOrEqual(4096);
    expect(d.width / d.height).toBeCloseTo(3, 1);
  });

  it('throws ResolutionTooLargeError with the limit and the suggestion', () => {
    try {
      checkResolution({ width: 8192, height: 4320 }, { maxDimension: 4096, maxPixels: 8_000_000 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ResolutionTooLargeError);
      const r = e as ResolutionTooLargeError;
      expect(r.limit).toEqual({ maxDimension: 4096, maxPixels: 8_000_000 });
      expect(r.suggested.width).toBeLessThanOrEqual(4096);
      expect(r.toUser().downscaleTo).toEqual(r.suggested);
      expect(r.message).toContain('8192×4320');
      expect(r.message).toContain(`${r.suggested.width}×${r.suggested.height}`);
      expect(r.message).toContain('4096 pixels per side');
      expect(r.message).toContain('8 megapixels');
    }
  });
});
