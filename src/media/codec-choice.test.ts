import { describe, expect, it } from 'vitest';
import { chooseVideoCodec, codecName, defaultVideoBitrate, normalizeRotation, planAudio, type AudioCapabilities, type OutputVideoCodec } from './codec-choice';

const caps = (decode: boolean, opus: boolean): AudioCapabilities => ({
  canDecode: async () => decode,
  canEncodeOpus: async () => opus,
});

describe('chooseVideoCodec', () => {
  const size = { width: 1280, height: 720 };
  const only = (...ok: OutputVideoCodec[]) => async (c: OutputVideoCodec) => ok.includes(c);

  it('prefers H.264, then VP9, then AV1', async () => {
    expect((await chooseVideoCodec(size, only('avc', 'vp9', 'av1')))!.codec).toBe('avc');
    const vp9 = await chooseVideoCodec(size, only('vp9', 'av1'));
    expect(vp9).toEqual({ codec: 'vp9', tried: [{ codec: 'avc', ok: false }, { codec: 'vp9', ok: true }] });
    expect((await chooseVideoCodec(size, only('av1')))!.codec).toBe('av1');
  });

  it('returns null when nothing can be encoded, and a throwing check counts as no', async () => {
    expect(await chooseVideoCodec(size, only())).toBeNull();
    const r = await chooseVideoCodec(size, async (c) => {
      if (c === 'avc') throw new Error('boom');
      return true;
    });
    expect(r!.codec).toBe('vp9');
  });

  it('passes the size to the capability check', async () => {
    const seen: string[] = [];
    await chooseVideoCodec({ width: 7680, height: 4320 }, async (c, s) => {
      seen.push(`${c}@${s.width}x${s.height}`);
      return c === 'av1';
    });
    expect(seen).toEqual(['avc@7680x4320', 'vp9@7680x4320', 'av1@7680x4320']);
  });
});

describe('planAudio', () => {
  it('says so when there is no audio', async () => {
    expect(await planAudio(null, caps(true, true))).toMatchObject({ kind: 'none' });
  });

  it('copies AAC, Opus and MP3 without asking the browser', async () => {
    for (const codec of ['aac', 'opus', 'mp3']) {
      const p = await planAudio({ codec, channels: 2, sampleRate: 44100 }, caps(false, false));
      expect(p).toMatchObject({ kind: 'copy', codec });
      expect(p.reason).toContain('copied unchanged');
    }
  });

  it('re-encodes other decodable codecs to Opus at 48 kHz, at most stereo', async () => {
    const p = await planAudio({ codec: 'vorbis', channels: 6, sampleRate: 44100 }, caps(true, true));
    expect(p).toMatchObject({ kind: 'reencode', from: 'vorbis', to: 'opus', channels: 2, sampleRate: 48000 });
    expect(p.reason).toBe('The Vorbis audio was converted to Opus (an MP4 file cannot hold Vorbis).');
    const mono = await planAudio({ codec: 'pcm-s16', channels: 1, sampleRate: 8000 }, caps(true, true));
    expect(mono).toMatchObject({ kind: 'reencode', channels: 1 });
  });

  it('drops the audio with a reason when it cannot be decoded or Opus cannot be encoded', async () => {
    const ac3 = await planAudio({ codec: 'ac3', channels: 6, sampleRate: 48000 }, caps(false, true));
    expect(ac3).toMatchObject({ kind: 'drop' });
    expect(ac3.reason).toBe('The audio was left out: it is Dolby Digital (AC-3), which an MP4 file cannot hold and this browser cannot convert.');
    const noOpus = await planAudio({ codec: 'flac', channels: 2, sampleRate: 48000 }, caps(true, false));
    expect(noOpus.kind).toBe('drop');
    expect(noOpus.reason).toContain('cannot encode Opus');
    const unknown = await planAudio({ codec: null, internalId: 'sowt', channels: 2, sampleRate: 48000 }, caps(true, true));
    expect(unknown.kind).toBe('drop');
    expect(unknown.reason).toContain('"sowt"');
  });
});

describe('helpers', () => {
  it('names codecs in plain words', () => {
    expect(codecName('avc')).toBe('H.264');
    expect(codecName('hevc')).toBe('HEVC (H.265)');
    expect(codecName('pcm-s24')).toBe('PCM audio');
    expect(codecName(null)).toBe('an unknown codec');
    expect(codecName(null, 'mp4v')).toBe('an unknown codec ("mp4v")');
  });

  it('normalises rotations', () => {
    expect([0, 90, 180, 270, 360, -90, 450, 89].map((r) => normalizeRotation(r))).toEqual([0, 90, 180, 270, 0, 270, 90, 90]);
    expect(normalizeRotation(undefined)).toBe(0);
  });

  it('scales the default bitrate with pixels and frame rate, with a floor', () => {
    expect(defaultVideoBitrate(96, 64, 15)).toBe(1_000_000);
    expect(defaultVideoBitrate(1920, 1080, 30)).toBe(Math.round(1920 * 1080 * 30 * 0.25));
    expect(defaultVideoBitrate(1920, 1080, NaN)).toBe(defaultVideoBitrate(1920, 1080, 30));
  });
});
