// Deblurs a video file in Node: ffmpeg decodes, the engine restores every frame
// on WebGPU (the `webgpu` npm package, Dawn), ffmpeg encodes an H.264 MP4 with
// the input's audio. See docs/cli.md.
//
//   npm run cli -- INPUT OUTPUT.mp4 [--model base] [--passes 1] [--frames N] [--crf 18]
//
// Frames stream through: ffmpeg's raw RGB output is read one frame at a time,
// and the encoder's stdin is written with backpressure, so memory stays at a
// few frames plus the five-frame window whatever the clip's length.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, statSync, unlinkSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { PASS_CHOICES, type Passes } from '../src/engine/protocol';
import { GpuOutOfMemoryError, withOutOfMemoryScope } from '../src/gpu/memory-scope';

const USAGE = `Usage: npm run cli -- INPUT OUTPUT.mp4 [options]

Removes motion blur from a video. Decodes INPUT with ffmpeg, restores every
frame with the Unblur network on WebGPU, writes an H.264 MP4 (audio kept).

Options:
  --model NAME|DIR  model folder: a name under public/models (default: base)
                    or a path to a folder holding model.json + weights
  --passes 1|2|4    restore each frame this many times, mirrored, and average:
                    a little sharper, that many times slower (default 1)
  --frames N        process only the first N frames (quick tries)
  --crf N           x264 quality, 0 (lossless) to 51 (worst); default 18
  -h, --help        show this help

Exit codes: 0 done, 1 error, 2 bad command line, 130 interrupted.
Needs ffmpeg and ffprobe on PATH.`;

const MODELS_DIR = fileURLToPath(new URL('../public/models/', import.meta.url));
const COPY_AUDIO = new Set(['aac', 'mp3', 'opus']);

/** Set by SIGINT/SIGTERM: the signal handler removes the partial output and exits; nothing else reports. */
let interrupted = false;
const NEVER = new Promise<never>(() => {});

/** A failure the user can act on: printed as one line, exit code 1 (2 for usage). */
class CliError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

interface Options {
  input: string;
  output: string;
  model: string;
  passes: Passes;
  frames: number | null;
  crf: number;
}

function parseArgs(argv: string[]): Options | 'help' {
  const pos: string[] = [];
  const opt: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') return 'help';
    if (a === '--') {
      pos.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const key = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (!['model', 'passes', 'frames', 'crf'].includes(key)) throw new CliError(`unknown option --${key} (see --help)`, 2);
      let value: string | undefined = eq < 0 ? undefined : a.slice(eq + 1);
      if (value === undefined) {
        if (i + 1 >= argv.length) throw new CliError(`--${key} needs a value`, 2);
        value = argv[++i];
      }
      opt[key] = value;
    } else if (a.startsWith('-') && a !== '-') {
      throw new CliError(`unknown option ${a} (see --help)`, 2);
    } else {
      pos.push(a);
    }
  }
  if (pos.length !== 2) throw new CliError(`expected INPUT and OUTPUT, got ${pos.length} argument${pos.length === 1 ? '' : 's'} (see --help)`, 2);
  const int = (key: string, lo: number, hi: number): number | null => {
    if (opt[key] === undefined) return null;
    const n = Number(opt[key]);
    if (!Number.isInteger(n) || n < lo || n > hi) throw new CliError(`--${key} must be an integer from ${lo} to ${hi}, got '${opt[key]}'`, 2);
    return n;
  };
  return {
    input: pos[0],
    output: pos[1],
    model: opt.model ?? 'base',
    passes: passesOf(opt.passes),
    frames: int('frames', 1, Number.MAX_SAFE_INTEGER),
    crf: int('crf', 0, 51) ?? 18,
  };
}

function passesOf(v: string | undefined): Passes {
  if (v === undefined) return 1;
  const n = Number(v);
  const ok = PASS_CHOICES.find((p) => p === n);
  if (ok === undefined) throw new CliError(`--passes must be ${PASS_CHOICES.join(', ')}, got '${v}'`, 2);
  return ok;
}

// ---------------------------------------------------------------- ffmpeg/ffprobe

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion; ENOENT becomes "ffmpeg is not installed". */
async function run(cmd: string, args: string[]): Promise<Run> {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  p.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  p.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const code = await exitOf(p, cmd);
  return { code, stdout, stderr };
}

function exitOf(p: ChildProcess, cmd: string): Promise<number | null> {
  return new Promise((res, rej) => {
    p.once('error', (e: NodeJS.ErrnoException) => rej(e.code === 'ENOENT' ? missingTool(cmd) : e));
    p.once('close', (code) => res(code));
  });
}

function missingTool(cmd: string): CliError {
  return new CliError(`${cmd} not found: install ffmpeg (ffmpeg and ffprobe must be on PATH)`);
}

/** The last meaningful lines of an ffmpeg error output, on one line. */
function tail(stderr: string, lines = 2): string {
  const ls = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  return ls.slice(-lines).join(' | ') || 'no message';
}

interface Stream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  nb_frames?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  sample_aspect_ratio?: string;
  disposition?: { attached_pic?: number };
  tags?: { rotate?: string };
  side_data_list?: { rotation?: number }[];
}

interface Probe {
  /** absolute index of the video stream */
  stream: number;
  /** size of the decoded frames (after ffmpeg's autorotation) */
  width: number;
  height: number;
  /** clockwise display rotation of the input, applied by ffmpeg while decoding */
  rotation: number;
  frames: number;
  /** r_frame_rate as ffprobe gives it ("30000/1001") */
  rate: string;
  fps: number;
  sar: string | null;
  /** codec_name of each audio stream, in order */
  audio: string[];
}

function parseRate(r: string | undefined): number {
  const [n, d] = (r ?? '').split('/').map(Number);
  return n > 0 && d > 0 ? n / d : 0;
}

async function probe(input: string): Promise<Probe> {
  const r = await run('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', input]);
  let streams: Stream[] = [];
  try {
    streams = (JSON.parse(r.stdout) as { streams?: Stream[] }).streams ?? [];
  } catch {
    /* handled below */
  }
  if (r.code !== 0 && streams.length === 0) throw new CliError(`not a video: ${input} (ffprobe: ${tail(r.stderr, 1)})`);
  const v = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!v || !v.width || !v.height) throw new CliError(`not a video: ${input} has no video stream`);
  // ffprobe 5+ reports the display matrix; older ones the `rotate` tag (clockwise).
  const sd = v.side_data_list?.find((d) => typeof d.rotation === 'number');
  const raw = sd ? Number(sd.rotation) : Number(v.tags?.rotate ?? 0);
  const rotation = (((Math.round(raw / 90) * 90) % 360) + 360) % 360;
  const swap = rotation === 90 || rotation === 270;
  let frames = Number(v.nb_frames ?? NaN);
  if (!Number.isFinite(frames)) {
    // Containers without a frame count (Matroska, WebM): count the packets.
    const c = await run('ffprobe', ['-v', 'error', '-select_streams', String(v.index), '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', input]);
    frames = parseInt(c.stdout.trim(), 10);
    if (!Number.isFinite(frames)) frames = 0;
  }
  if (frames <= 0) throw new CliError(`no video frames in ${input}`);
  // The output is constant frame rate: r_frame_rate, unless it is implausible
  // next to the average (as ffmpeg's av_guess_frame_rate decides).
  let rate = v.r_frame_rate ?? '';
  const avg = parseRate(v.avg_frame_rate);
  if (!(parseRate(rate) > 0) || (parseRate(rate) > 210 && avg > 0 && avg < 70)) rate = v.avg_frame_rate ?? '';
  if (!(parseRate(rate) > 0)) rate = '25/1';
  let sar: string | null = null;
  const m = /^(\d+):(\d+)$/.exec(v.sample_aspect_ratio ?? '');
  if (m && +m[1] > 0 && +m[2] > 0 && m[1] !== m[2]) sar = swap ? `${m[2]}/${m[1]}` : `${m[1]}/${m[2]}`;
  return {
    stream: v.index,
    width: swap ? v.height : v.width,
    height: swap ? v.width : v.height,
    rotation,
    frames,
    rate,
    fps: parseRate(rate),
    sar,
    audio: streams.filter((s) => s.codec_type === 'audio').map((s) => s.codec_name ?? 'unknown'),
  };
}

/** Yields the raw frames of a stream, exactly `bytes` each; the buffer is reused (consume it before the next). */
async function* rawFrames(stream: Readable, bytes: number): AsyncGenerator<Buffer> {
  const buf = Buffer.allocUnsafe(bytes);
  let fill = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(bytes - fill, chunk.length - off);
      chunk.copy(buf, fill, off, off + n);
      fill += n;
      off += n;
      if (fill === bytes) {
        yield buf;
        fill = 0;
      }
    }
  }
  if (fill !== 0) process.stderr.write(`warning: the decoder's last frame was incomplete (${fill} of ${bytes} bytes); dropped\n`);
}

/** Writes with backpressure; rejects if the encoder goes away. */
async function writeAll(w: Writable, data: Uint8Array, encoderGone: Promise<never>): Promise<void> {
  if (!w.write(data)) await Promise.race([once(w, 'drain'), encoderGone]);
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  s = Math.max(0, Math.round(s));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

// ---------------------------------------------------------------- main

async function main(argv: string[]): Promise<number> {
  const opts = parseArgs(argv);
  if (opts === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const input = resolve(opts.input);
  const output = resolve(opts.output);
  // ffmpeg first: everything below needs it.
  for (const tool of ['ffprobe', 'ffmpeg']) {
    const r = await run(tool, ['-version']);
    if (r.code !== 0) throw new CliError(`${tool} does not run: ${tail(r.stderr, 1)}`);
  }
  if (!existsSync(input)) throw new CliError(`input not found: ${opts.input}`);
  if (!statSync(input).isFile()) throw new CliError(`input is not a file: ${opts.input}`);
  if (input === output) throw new CliError('OUTPUT must not be the INPUT file');
  if (!existsSync(dirname(output))) throw new CliError(`output folder does not exist: ${dirname(output)}`);
  const info = await probe(input);
  const total = opts.frames === null ? info.frames : Math.min(opts.frames, info.frames);
  const modelDir = opts.model.includes('/') || opts.model.includes('\\') || isAbsolute(opts.model) ? resolve(opts.model) : join(MODELS_DIR, opts.model);

  // WebGPU + TF.js + the model, before any output exists.
  const { installNodeWebGPU } = await import('../src/gpu/node-webgpu');
  await installNodeWebGPU();
  await import('@tensorflow/tfjs-backend-webgpu'); // registers itself only once navigator.gpu exists
  const warn = console.warn;
  console.warn = () => {}; // TF.js logs its own failure; ours is the message below
  const ok = await tf.setBackend('webgpu').catch(() => false);
  console.warn = warn;
  if (!ok) throw new CliError('WebGPU is not available: no GPU adapter (on machines without a GPU, install chromium for its SwiftShader driver)');
  await tf.ready();
  const ai = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
  const gpuName = [ai?.vendor, ai?.architecture].filter(Boolean).join(' ') || 'unknown adapter';
  const { loadModel, disposeModel, ModelLoadError, Network } = await import('../src/model/index');
  const { fileReader } = await import('../src/model/node-reader');
  const { SelfEnsemble } = await import('../src/engine/self-ensemble');
  const { halfThePixels } = await import('../src/engine/pipeline');
  let model: Awaited<ReturnType<typeof loadModel>>;
  try {
    model = await loadModel(fileReader(modelDir));
  } catch (e) {
    if (e instanceof ModelLoadError) throw new CliError(`cannot load model '${opts.model}' from ${modelDir}: ${e.message}`);
    throw e;
  }
  const net = new Network(model);
  const { width: W, height: H } = info;
  const frameBytes = W * H * 3;
  const audioCodecs = info.audio.map((c) => (COPY_AUDIO.has(c) ? 'copy' : 'aac'));
  process.stderr.write(
    `${opts.input}: ${W}×${H}${info.rotation ? ` (rotated ${info.rotation}°, applied)` : ''}, ${info.frames} frames at ${info.rate} fps, ` +
      `${info.audio.length ? `audio ${info.audio.map((c, i) => `${c} (${audioCodecs[i] === 'copy' ? 'copied' : 'to AAC'})`).join(', ')}` : 'no audio'}; ` +
      `model ${model.manifest.id}${opts.passes > 1 ? ` in ${opts.passes} passes` : ''} on WebGPU (${gpuName}); processing ${total} frame${total === 1 ? '' : 's'}\n`,
  );

  // Decoder: autorotation on (ffmpeg's default), frames in display orientation,
  // constant frame rate (gaps of variable-rate video filled by repeated frames).
  const dec = spawn(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', input, '-map', `0:${info.stream}`, '-r', info.rate, ...(opts.frames !== null ? ['-frames:v', String(opts.frames)] : []), '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let decErr = '';
  dec.stderr.setEncoding('utf8').on('data', (s: string) => (decErr += s).length > 65536 && (decErr = decErr.slice(-16384)));
  const decExit = exitOf(dec, 'ffmpeg');
  decExit.catch(() => {});

  // Encoder: H.264 (BT.709, limited range, 4:2:0), audio copied or re-encoded.
  const vf = [W % 2 || H % 2 ? 'pad=ceil(iw/2)*2:ceil(ih/2)*2' : '', 'scale=out_color_matrix=bt709:out_range=tv', 'format=yuv420p', info.sar ? `setsar=${info.sar}` : ''].filter(Boolean).join(',');
  const hasAudio = info.audio.length > 0;
  const encArgs = [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${W}x${H}`, '-r', info.rate, '-i', '-',
    ...(hasAudio ? ['-i', input, '-map', '0:v', '-map', '1:a?'] : ['-map', '0:v']),
    '-vf', vf, '-c:v', 'libx264', '-crf', String(opts.crf), '-pix_fmt', 'yuv420p',
    '-color_primaries', 'bt709', '-color_trc', 'bt709', '-colorspace', 'bt709', '-color_range', 'tv',
    ...audioCodecs.flatMap((c, i) => [`-c:a:${i}`, c]),
    // --frames: cut the audio where the video ends (the video itself ends there anyway).
    ...(opts.frames !== null ? ['-t', (total / info.fps).toFixed(6)] : []),
    '-movflags', '+faststart', '-f', 'mp4', output,
  ];
  const enc = spawn('ffmpeg', encArgs, { stdio: ['pipe', 'ignore', 'pipe'] });
  let encErr = '';
  enc.stderr.setEncoding('utf8').on('data', (s: string) => (encErr += s).length > 65536 && (encErr = encErr.slice(-16384)));
  enc.stdin.on('error', () => {}); // EPIPE when the encoder dies: reported through encoderGone
  const encExit = exitOf(enc, 'ffmpeg');
  const encoderGone: Promise<never> = encExit.then((code) => {
    throw new CliError(`ffmpeg could not encode ${opts.output} (exit ${code}): ${tail(encErr)}`);
  });
  encoderGone.catch(() => {});

  let finished = false;
  const cleanup = async (): Promise<void> => {
    for (const p of [dec, enc]) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await Promise.allSettled([decExit, encExit]);
    try {
      unlinkSync(output);
    } catch {
      /* never written */
    }
  };
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\n${sig === 'SIGINT' ? 'interrupted' : `stopped (${sig})`}: removing the partial output ${opts.output}\n`);
    void cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const window = new SelfEnsemble(net, H, W, 0, opts.passes);
  const rgb = new Float32Array(W * H * 3);
  const out8 = Buffer.allocUnsafe(frameBytes);
  const tty = process.stderr.isTTY;
  const t0 = performance.now();
  let written = 0;
  let lastReport = 0;
  const report = (final = false) => {
    const now = performance.now();
    if (!final && now - lastReport < (tty ? 250 : 2000)) return;
    lastReport = now;
    const secs = (now - t0) / 1000;
    const fps = written / secs;
    const line = `frame ${written}/${Math.max(total, written)}, ${fps.toFixed(fps < 10 ? 2 : 1)} fps, ETA ${fmtTime((total - written) / fps)}`;
    process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  };
  const emit = async (outs: tf.Tensor3D[]): Promise<void> => {
    for (const o of outs) {
      let data: Float32Array;
      try {
        data = (await o.data()) as Float32Array;
      } finally {
        o.dispose();
      }
      for (let i = 0; i < data.length; i++) out8[i] = Math.round(data[i] * 255); // clamped to [0, 1] by the engine
      await writeAll(enc.stdin, out8, encoderGone);
      written += 1;
      report();
    }
  };

  // Each frame's GPU work in an out-of-memory scope: a failed allocation stops the run in plain words
  // instead of writing frames computed without their memory.
  const device = (tf.backend() as unknown as { device: GPUDevice }).device;
  const smaller = halfThePixels({ width: W, height: H });
  const noMemory = new CliError(
    `the GPU ran out of memory restoring ${W}×${H} frames${opts.passes > 1 ? ` in ${opts.passes} passes` : ''}: ` +
      `try ${opts.passes > 1 ? '--passes 1 or ' : ''}a smaller video (e.g. ffmpeg -i INPUT -vf scale=${smaller.width}:${smaller.height} SMALLER.mp4)`,
  );
  const onGpu = (work: () => Promise<void>) =>
    withOutOfMemoryScope(device, work).catch((e: unknown) => {
      throw e instanceof GpuOutOfMemoryError ? noMemory : e;
    });

  try {
    let read = 0;
    for await (const frame of rawFrames(dec.stdout, frameBytes)) {
      if (interrupted) break;
      for (let i = 0; i < frameBytes; i++) rgb[i] = frame[i] / 255;
      await onGpu(async () => {
        const x = tf.tensor3d(rgb, [H, W, 3], 'float32');
        let outs: tf.Tensor3D[];
        try {
          outs = window.push(x);
        } finally {
          x.dispose();
        }
        await emit(outs);
      });
      read += 1;
    }
    const code = await decExit;
    if (interrupted) return NEVER; // onSignal exits
    if (code !== 0) throw new CliError(`ffmpeg could not decode ${opts.input} (exit ${code}): ${tail(decErr)}`);
    if (read === 0) throw new CliError(`no video frames decoded from ${opts.input}${decErr ? `: ${tail(decErr)}` : ''}`);
    await onGpu(() => emit(window.flush()));
    enc.stdin.end();
    const encCode = await encExit;
    if (encCode !== 0) await encoderGone;
    finished = true;
  } finally {
    window.dispose();
    disposeModel(model);
    if (!finished && !interrupted) await cleanup();
  }
  if (interrupted) return NEVER;
  if (tty) report(true);
  const secs = (performance.now() - t0) / 1000;
  if (tty) process.stderr.write('\n');
  process.stderr.write(`done: ${written} frame${written === 1 ? "" : "s"} in ${secs.toFixed(1)} s, ${(written / secs).toFixed(2)} fps → ${opts.output}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (interrupted) return; // the signal handler cleans up and exits
    if (e instanceof CliError) {
      process.stderr.write(`unblur: ${e.message}\n`);
      process.exit(e.code);
    }
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`unblur: unexpected error: ${msg}\n`);
    if (process.env.UNBLUR_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exit(1);
  },
);
