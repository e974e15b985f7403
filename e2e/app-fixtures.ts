// Test videos for the app specs, made with ffmpeg into e2e/artifacts/app-fixtures/
// (ignored by git). The one real clip comes from the committed PNGs in
// e2e/fixtures/clip/ (15 blurred + 15 sharp 96×64 frames from the dev set).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, type Page } from '@playwright/test';

export const ROOT = resolve(import.meta.dirname, '..');
export const CLIP_DIR = join(ROOT, 'e2e/fixtures/clip');
export const FIXTURE_DIR = join(ROOT, 'e2e/artifacts/app-fixtures');
export const CLIP = { width: 96, height: 64, frames: 15, fps: 15 } as const;

export const FIXTURES = {
  /** The real blurred clip, H.264 + AAC, BT.709 tagged. */
  clip: join(FIXTURE_DIR, 'shaky-clip.mp4'),
  /** The clip with a 90° display rotation in the container. */
  rotated: join(FIXTURE_DIR, 'rotated.mp4'),
  /** Variable frame rate: two gaps in the timestamps, and B-frames. */
  vfr: join(FIXTURE_DIR, 'vfr.mp4'),
  /** Random bytes with a video name. */
  notVideo: join(FIXTURE_DIR, 'holiday.mp4'),
  /** The clip cut in half (moov first, so the header reads fine and the frames run out). */
  truncated: join(FIXTURE_DIR, 'truncated.mp4'),
  /** HEVC: this Chromium cannot decode it. */
  hevc: join(FIXTURE_DIR, 'hevc.mp4'),
  /** AAC only. */
  audioOnly: join(FIXTURE_DIR, 'audio-only.mp4'),
  /** An H.264 track with no samples. */
  zeroFrames: join(FIXTURE_DIR, 'zero-frames.mp4'),
} as const;

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Writes via a temporary name so a half-made file is never taken for a fixture. */
function make(path: string, build: (tmp: string) => void): void {
  if (existsSync(path)) return;
  const tmp = path.replace(/(\.\w+)$/, '.tmp$1');
  build(tmp);
  renameSync(tmp, path);
}

const BT709 = ['-color_primaries', 'bt709', '-color_trc', 'bt709', '-colorspace', 'bt709', '-color_range', 'tv'];

export function ensureFixtures(): void {
  mkdirSync(FIXTURE_DIR, { recursive: true });
  make(FIXTURES.clip, (tmp) =>
    ffmpeg([
      '-framerate', String(CLIP.fps), '-i', join(CLIP_DIR, 'blur/%04d.png'),
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', '1', '-frames:v', String(CLIP.frames),
      '-vf', 'scale=out_color_matrix=bt709:out_range=tv,format=yuv420p',
      '-c:v', 'libx264', '-crf', '8', '-preset', 'medium', '-bf', '0', ...BT709,
      '-c:a', 'aac', '-b:a', '96k', '-shortest', '-movflags', '+faststart', tmp,
    ]),
  );
  make(FIXTURES.rotated, (tmp) => ffmpeg(['-i', FIXTURES.clip, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', tmp]));
  make(FIXTURES.vfr, (tmp) =>
    ffmpeg([
      '-framerate', String(CLIP.fps), '-i', join(CLIP_DIR, 'blur/%04d.png'),
      '-vf', `setpts='(N+gt(N\\,7)*3+gt(N\\,11)*2)/${CLIP.fps}/TB',scale=out_color_matrix=bt709:out_range=tv,format=yuv420p`,
      '-fps_mode', 'passthrough', '-c:v', 'libx264', '-crf', '10', ...BT709, tmp,
    ]),
  );
  make(FIXTURES.notVideo, (tmp) => {
    const bytes = Buffer.alloc(40_000);
    let x = 12345;
    for (let i = 0; i < bytes.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      bytes[i] = x >>> 24;
    }
    writeFileSync(tmp, bytes);
  });
  make(FIXTURES.truncated, (tmp) => {
    const full = readFileSync(FIXTURES.clip);
    writeFileSync(tmp, full.subarray(0, Math.floor(full.length * 0.45)));
  });
  make(FIXTURES.hevc, (tmp) =>
    ffmpeg([
      '-f', 'lavfi', '-i', `testsrc=size=${CLIP.width}x${CLIP.height}:rate=15`, '-t', '1',
      '-c:v', 'libx265', '-x265-params', 'log-level=error', '-tag:v', 'hvc1', '-pix_fmt', 'yuv420p', tmp,
    ]),
  );
  make(FIXTURES.audioOnly, (tmp) =>
    ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '1', '-c:a', 'aac', '-f', 'mp4', tmp]),
  );
  make(FIXTURES.zeroFrames, (tmp) => {
    const src = join(FIXTURE_DIR, 'zero-src.mp4');
    ffmpeg([
      '-f', 'lavfi', '-i', `testsrc=size=${CLIP.width}x${CLIP.height}:rate=15`, '-t', '1',
      '-c:v', 'libx264', '-pix_fmt', 'yuv420p', src,
    ]);
    writeFileSync(tmp, emptySampleTables(readFileSync(src)));
  });
}

/**
 * Empties the sample tables of every track in an MP4 (entry counts set to 0;
 * the boxes keep their size, so nothing else moves): a valid H.264 track with
 * zero frames. ffmpeg will not write one by itself.
 */
export function emptySampleTables(buf: Buffer): Buffer {
  const out = Buffer.from(buf);
  const containers = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'edts']);
  const walk = (start: number, end: number) => {
    let p = start;
    while (p + 8 <= end) {
      const size = out.readUInt32BE(p);
      const type = out.toString('latin1', p + 4, p + 8);
      if (size < 8 || p + size > end) return;
      if (containers.has(type)) walk(p + 8, p + size);
      else if (['stts', 'stss', 'ctts', 'stsc', 'stco', 'co64'].includes(type)) out.writeUInt32BE(0, p + 12);
      else if (type === 'stsz') {
        out.writeUInt32BE(0, p + 12); // sample_size
        out.writeUInt32BE(0, p + 16); // sample_count
      } else if (type === 'mdhd' || type === 'tkhd' || type === 'mvhd') {
        // Durations to zero (version 0 layouts; ffmpeg writes version 0 for short clips).
        const version = out[p + 8];
        if (version === 0) {
          const off = type === 'mdhd' || type === 'mvhd' ? 24 : 28;
          out.writeUInt32BE(0, p + off);
        }
      }
      p += size;
    }
  };
  walk(0, out.length);
  return out;
}

/** Drops a file on the drop zone as a user would (a DataTransfer drop event). */
export async function dropFile(page: Page, path: string, name?: string, type = 'video/mp4'): Promise<void> {
  const data = readFileSync(path).toString('base64');
  const fileName = name ?? path.split('/').pop()!;
  const zone = page.getByTestId('drop-zone');
  const dataTransfer = await page.evaluateHandle(
    ({ data, fileName, type }) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], fileName, { type, lastModified: Date.UTC(2026, 0, 15, 12) }));
      return dt;
    },
    { data, fileName, type },
  );
  await zone.dispatchEvent('dragenter', { dataTransfer });
  await zone.dispatchEvent('drop', { dataTransfer });
}

/** Picks a file through the hidden file input (the click-to-choose path). */
export async function chooseFile(page: Page, path: string, name?: string, mimeType = 'video/mp4'): Promise<void> {
  await page.getByTestId('file-input').setInputFiles({
    name: name ?? path.split('/').pop()!,
    mimeType,
    buffer: readFileSync(path),
  });
}

/** Clicks Download and saves the file as FIXTURE_DIR/`name`; returns its path. */
export async function saveDownload(page: Page, name: string): Promise<string> {
  const downloadPromise = page.waitForEvent('download');
  await page.getByTestId('download').click();
  const out = join(FIXTURE_DIR, name);
  await (await downloadPromise).saveAs(out);
  return out;
}

/** The good clip opens: facts show its size and frame count. */
export async function expectClipOpened(page: Page): Promise<void> {
  await expect(page.getByTestId('video-size')).toContainText(`${CLIP.width}×${CLIP.height}`, { timeout: 60_000 });
  await expect(page.getByTestId('video-size')).toContainText(`${CLIP.frames} frames`);
  await expect(page.getByTestId('error')).toHaveCount(0);
}

export interface Probe {
  width: number;
  height: number;
  frames: number;
  duration: number;
  videoCodec: string;
  audioCodec: string | null;
  /** Display rotation as ffprobe reports it (0 when none). */
  rotation: number;
}

export function ffprobe(path: string): Probe {
  const json = JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', path], {
      encoding: 'utf8',
    }),
  ) as { streams: (Record<string, string | number> & { side_data_list?: { rotation?: number }[] })[]; format: { duration?: string } };
  const v = json.streams.find((s) => s.codec_type === 'video');
  const a = json.streams.find((s) => s.codec_type === 'audio');
  if (!v) throw new Error(`no video stream in ${path}`);
  return {
    width: Number(v.width),
    height: Number(v.height),
    frames: Number(v.nb_read_frames),
    duration: Number(v.duration ?? json.format.duration),
    videoCodec: String(v.codec_name),
    audioCodec: a ? String(a.codec_name) : null,
    rotation: Number(v.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? 0),
  };
}

/** Every frame of a video or PNG sequence as rgb24 bytes, decoded by ffmpeg. */
export function decodeRgb(input: string[], width: number, height: number): Uint8Array[] {
  const raw = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...input, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
    maxBuffer: 1 << 28,
  });
  const n = width * height * 3;
  const frames: Uint8Array[] = [];
  for (let o = 0; o + n <= raw.length; o += n) frames.push(new Uint8Array(raw.buffer, raw.byteOffset + o, n));
  return frames;
}

/** Mean PSNR (dB) over frame pairs, 8-bit RGB. */
export function meanPsnr(a: Uint8Array[], b: Uint8Array[]): number {
  const n = Math.min(a.length, b.length);
  let sum = 0;
  for (let f = 0; f < n; f++) {
    const x = a[f]!;
    const y = b[f]!;
    let se = 0;
    for (let i = 0; i < x.length; i++) {
      const d = x[i]! - y[i]!;
      se += d * d;
    }
    const mse = se / x.length;
    sum += mse === 0 ? 100 : 10 * Math.log10((255 * 255) / mse);
  }
  return sum / n;
}

export const SHARP_INPUT = ['-framerate', String(CLIP.fps), '-i', join(CLIP_DIR, 'sharp/%04d.png')];

/** Presentation timestamps (seconds) of every video frame, in display order. */
export function frameTimes(path: string): number[] {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=pts_time', '-of', 'csv=p=0', path], {
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .map((l) => l.trim().replace(/,$/, ''))
    .filter((l) => l.length > 0)
    .map(Number)
    .sort((a, b) => a - b);
}
