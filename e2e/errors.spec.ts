// Bad inputs get plain words (never a stack trace), and the page keeps working:
// after each error a good clip opens normally.
import { execFileSync } from 'node:child_process';
import { chromium, expect, test, type Page } from '@playwright/test';
import { launchOptions, NO_WEBGPU_ARGS } from './chromium';
import { chooseFile, CLIP, decodeRgb, dropFile, ensureFixtures, expectClipOpened, ffprobe, FIXTURES, meanPsnr, saveDownload, SHARP_INPUT } from './app-fixtures';

test.beforeAll(() => {
  ensureFixtures();
});

const STACK = /at \S+ \(|\.ts:\d+|\.js:\d+|Error:|undefined|\[object/;

async function expectError(page: Page, code: string, message: RegExp): Promise<void> {
  const err = page.getByTestId('error');
  await expect(err).toBeVisible({ timeout: 60_000 });
  await expect(err).toHaveAttribute('data-code', code);
  await expect(err).toContainText(message);
  expect(await err.innerText()).not.toMatch(STACK);
}

async function thenAGoodFileWorks(page: Page): Promise<void> {
  await dropFile(page, FIXTURES.clip, 'good.mp4');
  await expectClipOpened(page);
  await expect(page.getByTestId('start-button')).toBeEnabled();
}

const cases: { name: string; file: string; as: string; code: string; message: RegExp }[] = [
  { name: 'not a video', file: FIXTURES.notVideo, as: 'holiday.mp4', code: 'not-video', message: /not a video file Unblur recognises/ },
  { name: 'a truncated file', file: FIXTURES.truncated, as: 'truncated.mp4', code: 'corrupt', message: /damaged or incomplete/ },
  { name: 'a codec this browser cannot decode (HEVC)', file: FIXTURES.hevc, as: 'phone.mp4', code: 'unsupported-codec', message: /HEVC.*cannot decode/ },
  { name: 'no video track (audio only)', file: FIXTURES.audioOnly, as: 'song.mp4', code: 'no-video-track', message: /no video track/ },
  { name: 'zero frames', file: FIXTURES.zeroFrames, as: 'empty-track.mp4', code: 'zero-frames', message: /no pictures/ },
];

for (const c of cases) {
  test(`${c.name}: plain words, then a good file opens`, async ({ page }) => {
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto('/');
    // The screenshot case is dropped (fixed lastModified); the others go through the file picker.
    if (c.code === 'unsupported-codec') await dropFile(page, c.file, c.as);
    else await chooseFile(page, c.file, c.as);
    await expectError(page, c.code, c.message);
    if (c.code === 'unsupported-codec') await page.screenshot({ path: 'docs/screenshots/error.png', fullPage: true });
    await thenAGoodFileWorks(page);
    expect(pageErrors).toEqual([]);
  });
}

/** Accepts the error's offer to scale down to `size`, then restores the whole video at that size. */
async function scaleDownAndRun(page: Page, size: string, timeout: number): Promise<void> {
  await page.getByTestId('downscale-button').click();
  await expect(page.getByTestId('error')).toHaveCount(0);
  await expect(page.getByTestId('scaled-to')).toContainText(size);
  await page.getByTestId('start-button').click();
  await expect(page.getByTestId('progress-percent')).toHaveText('100%', { timeout });
}

test('a resolution above the GPU limit: offer to scale down; the output is the smaller size, rotation kept', async ({ page }) => {
  test.setTimeout(300_000);
  // 96×64 = 6144 pixels; pretend the GPU holds at most 3000. The clip also carries a 90° rotation.
  await page.goto('/?maxPixels=3000');
  await dropFile(page, FIXTURES.rotated, 'big.mp4');
  await expect(page.getByTestId('video-size')).toContainText(/rotated (90|270)°/, { timeout: 60_000 });
  await expectError(page, 'too-large', /at most 3,000 pixels.*66×44/);
  await expect(page.getByTestId('start-button')).toBeDisabled();
  await scaleDownAndRun(page, '66×44', 240_000);
  await expect(page.getByTestId('result-video')).toContainText('66×44');
  const out = await saveDownload(page, 'downscaled.mp4');
  const p = ffprobe(out);
  expect([p.width, p.height, p.frames]).toEqual([66, 44, CLIP.frames]);
  expect(p.audioCodec).not.toBeNull();
  expect(p.rotation).toBe(ffprobe(FIXTURES.rotated).rotation);
  expect(p.rotation).not.toBe(0);
});

/** Starts a run on a page whose GPU device is destroyed after 2 frames, and waits for the message. */
async function runAndLoseTheGpu(page: Page, message: RegExp): Promise<void> {
  await page.goto('/?loseDeviceAfter=2');
  await dropFile(page, FIXTURES.clip, 'lost.mp4');
  await expectClipOpened(page);
  await page.getByTestId('start-button').click();
  await expectError(page, 'device-lost', message);
}

test('the GPU lost mid-run: say so, keep the frames done, and Resume finishes the same video', async ({ page }) => {
  test.setTimeout(400_000);
  await runAndLoseTheGpu(page, /graphics card was reset.*after 2 frames.*The 2 frames already restored are kept.*frame 3/);
  await expect(page.getByTestId('result')).toHaveCount(0);
  await expect(page.getByTestId('restart-button')).toBeVisible();
  await expect(page.getByTestId('resume-button')).toHaveText('Resume from frame 3');
  await page.getByTestId('resume-button').click();
  await expect(page.getByTestId('error')).toHaveCount(0);
  await expect(page.getByTestId('progress-percent')).toHaveText('100%', { timeout: 300_000 });

  // The MP4 holds every frame: the two from before the loss and the rest from the new GPU device.
  const out = await saveDownload(page, 'resumed.mp4');
  const p = ffprobe(out);
  expect([p.width, p.height, p.frames]).toEqual([CLIP.width, CLIP.height, CLIP.frames]);
  expect(Math.abs(p.duration - ffprobe(FIXTURES.clip).duration)).toBeLessThanOrEqual(1 / CLIP.fps + 1e-3);
  expect(p.audioCodec).not.toBeNull();
  const sharp = decodeRgb(SHARP_INPUT, CLIP.width, CLIP.height);
  const input = decodeRgb(['-i', FIXTURES.clip], CLIP.width, CLIP.height);
  const output = decodeRgb(['-i', out], CLIP.width, CLIP.height);
  const all = { in: meanPsnr(input, sharp), out: meanPsnr(output, sharp) };
  const after = { in: meanPsnr(input.slice(2), sharp.slice(2)), out: meanPsnr(output.slice(2), sharp.slice(2)) };
  console.log(`resumed run, PSNR vs sharp: all ${all.in.toFixed(2)} → ${all.out.toFixed(2)} dB, frames 3-${CLIP.frames} ${after.in.toFixed(2)} → ${after.out.toFixed(2)} dB`);
  expect(all.out).toBeGreaterThan(all.in);
  // The frames restored on the new device are restored, not copied or blank.
  expect(after.out).toBeGreaterThan(after.in);
});

test('the GPU lost mid-run: a preview reconnects, then Start again restores the whole video', async ({ page }) => {
  test.setTimeout(400_000);
  await runAndLoseTheGpu(page, /after 2 frames/);
  // The page keeps working on a new GPU device: a preview first…
  await page.getByTestId('preview-scrub').fill('3');
  await page.getByTestId('preview-button').click();
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-source', 'preview', { timeout: 180_000 });
  // …then the whole video again from frame 1.
  await page.getByTestId('restart-button').click();
  await expect(page.getByTestId('progress-percent')).toHaveText('100%', { timeout: 300_000 });
  await expect(page.getByTestId('download')).toBeVisible();
});

test('the GPU out of memory mid-run: plain words, nothing kept; scaled down, the run finishes on a fresh device', async ({ page }) => {
  test.setTimeout(400_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // After 2 frames the engine also asks for one buffer of maxBufferSize bytes: SwiftShader cannot allocate it.
  await page.goto('/?exhaustMemoryAfter=2');
  await dropFile(page, FIXTURES.clip, 'memory.mp4');
  await expectClipOpened(page);
  await page.getByTestId('start-button').click();
  await expectError(page, 'gpu-memory', /Restoring 96×64 frames needs more GPU memory than the browser could get.*scale the video down to 66×44/);
  await expect(page.getByTestId('error-title')).toHaveText('Your GPU ran out of memory');
  await expect(page.getByTestId('result')).toHaveCount(0);
  await expect(page.getByTestId('resume-button')).toHaveCount(0);
  await expect(page.getByTestId('restart-button')).toBeVisible();
  await scaleDownAndRun(page, '66×44', 300_000);
  const out = await saveDownload(page, 'after-memory.mp4');
  const p = ffprobe(out);
  expect([p.width, p.height, p.frames]).toEqual([66, 44, CLIP.frames]);
  // Every frame is a picture of the clip (frames computed on invalid buffers would be blank).
  const input = decodeRgb(['-i', FIXTURES.clip, '-vf', 'scale=66:44'], 66, 44);
  const output = decodeRgb(['-i', out], 66, 44);
  const psnrs = output.map((f, i) => meanPsnr([f], [input[i]!]));
  console.log(`after the memory error, output vs input scaled by ffmpeg: ${Math.min(...psnrs).toFixed(2)}..${Math.max(...psnrs).toFixed(2)} dB`);
  expect(Math.min(...psnrs)).toBeGreaterThan(24);
  expect(pageErrors).toEqual([]);
});

test('without WebGPU: the video opens, and Deblur explains how to get WebGPU', async ({ baseURL }) => {
  const browser = await chromium.launch({ ...launchOptions(NO_WEBGPU_ARGS), headless: true });
  try {
    const page = await browser.newPage({ baseURL, viewport: { width: 1100, height: 760 } });
    await page.goto('/');
    await expect(page.getByTestId('webgpu-status')).toHaveAttribute('data-state', /^(no-api|no-adapter|error)$/);
    await dropFile(page, FIXTURES.clip, 'clip.mp4');
    await expectClipOpened(page);
    await page.getByTestId('start-button').click();
    await expectError(page, 'no-webgpu', /needs WebGPU/);
    await expect(page.getByTestId('error-webgpu-help')).toContainText('chrome://gpu');
  } finally {
    await browser.close();
  }
});

// Keep ffmpeg honest about the fixtures this file relies on.
test('fixtures are what the tests think they are', () => {
  expect(ffprobe(FIXTURES.hevc).videoCodec).toBe('hevc');
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'csv=p=0', FIXTURES.audioOnly], { encoding: 'utf8' });
  expect(out).not.toMatch(/video/);
});
