// The command-line tool end to end: a tiny clip made by ffmpeg (6 frames of
// 48×32 with a sine tone: the GPU here is a software emulator) goes through
// `cli/unblur.ts` in a child process; ffprobe checks what comes out. Also the
// plain one-line errors (exit code 1, no stack trace) for bad inputs.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NODE_ARGS = ['--import', 'tsx/esm', '--import', './bench/register-raw.mjs', 'cli/unblur.ts'];

function hasFfmpeg(): boolean {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
    execFileSync('ffprobe', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...NODE_ARGS, ...args], { cwd: ROOT, env, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number) : 0;
      resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
    });
  });
}

interface ProbedStream {
  codec_type: string;
  width?: number;
  height?: number;
  nb_frames?: string;
  nb_read_frames?: string;
}

function probe(file: string): ProbedStream[] {
  const out = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-of', 'json', file], { encoding: 'utf8' });
  return (JSON.parse(out) as { streams: ProbedStream[] }).streams;
}

/** The error lines of the CLI, without the graphics driver's own noise. */
const messages = (stderr: string) => stderr.split('\n').filter((l) => l && !l.includes('XDG_RUNTIME_DIR'));

describe.skipIf(!hasFfmpeg())('cli/unblur.ts', () => {
  let dir = '';
  let input = '';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'unblur-cli-'));
    input = join(dir, 'in.mp4');
    execFileSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc2=size=48x32:rate=10',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      '-t', '0.6', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', input,
    ]);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('deblurs a clip: same frame count and size, audio kept', async () => {
    const output = join(dir, 'out.mp4');
    const r = await cli([input, output]);
    expect(r.stderr).toMatch(/done: 6 frames in [\d.]+ s, [\d.]+ fps/);
    expect(r.code).toBe(0);
    const streams = probe(output);
    const v = streams.find((s) => s.codec_type === 'video')!;
    expect(v).toBeDefined();
    expect([v.width, v.height]).toEqual([48, 32]);
    expect(Number(v.nb_read_frames)).toBe(6);
    expect(streams.some((s) => s.codec_type === 'audio')).toBe(true);
  }, 600_000);

  it('a file that is not a video: exit 1, one plain line', async () => {
    const txt = join(dir, 'notes.txt');
    writeFileSync(txt, 'not a video\n');
    const r = await cli([txt, join(dir, 'x.mp4')]);
    expect(r.code).toBe(1);
    expect(messages(r.stderr)).toEqual([expect.stringMatching(/^unblur: not a video: .*notes\.txt/)]);
  });

  it('a missing input: exit 1, one plain line', async () => {
    const r = await cli([join(dir, 'nope.mp4'), join(dir, 'x.mp4')]);
    expect(r.code).toBe(1);
    expect(messages(r.stderr)).toEqual([expect.stringMatching(/^unblur: input not found: .*nope\.mp4$/)]);
  });

  it('a missing model folder: exit 1, one plain line, no output file', async () => {
    const out = join(dir, 'nomodel.mp4');
    const r = await cli([input, out, '--model', join(dir, 'no-such-model')]);
    expect(r.code).toBe(1);
    expect(messages(r.stderr)).toEqual([expect.stringMatching(/^unblur: cannot load model .*model\.json/)]);
    expect(existsSync(out)).toBe(false);
  }, 300_000);

  it('ffmpeg not installed: exit 1, says so', async () => {
    const r = await cli([input, join(dir, 'x.mp4')], { ...process.env, PATH: join(dir, 'empty-path') });
    expect(r.code).toBe(1);
    expect(messages(r.stderr)).toEqual([expect.stringMatching(/^unblur: ffprobe not found: install ffmpeg/)]);
  });

  it('bad command lines: exit 2; --help: exit 0', async () => {
    expect((await cli([input])).code).toBe(2);
    expect((await cli([input, 'o.mp4', '--crf', 'x'])).code).toBe(2);
    const passes = await cli([input, 'o.mp4', '--passes', '3']);
    expect(passes.code).toBe(2);
    expect(messages(passes.stderr)).toEqual(["unblur: --passes must be 1, 2, 4, got '3'"]);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run cli -- INPUT OUTPUT\.mp4/);
  });
});
