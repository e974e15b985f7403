// The main path: drop a real blurred clip with audio, watch both panes fill,
// preview a frame (in one pass and in two), run to 100%, download, and check
// the MP4 with ffprobe and its PSNR against the sharp frames.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import {
  CLIP,
  decodeRgb,
  dropFile,
  ensureFixtures,
  expectClipOpened,
  ffprobe,
  FIXTURE_DIR,
  FIXTURES,
  meanPsnr,
  SHARP_INPUT,
} from './app-fixtures';

test.beforeAll(() => {
  ensureFixtures();
});

test('drop a blurred clip, preview a frame, restore it all and download the MP4', async ({ page }) => {
  test.setTimeout(720_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await expect(page.getByTestId('webgpu-status')).toHaveAttribute('data-state', 'fallback');

  await dropFile(page, FIXTURES.clip, 'shaky-clip.mp4');
  await expectClipOpened(page);
  await expect(page.getByTestId('video-facts')).toContainText('H.264');
  await expect(page.getByTestId('video-facts')).toContainText('AAC');

  // Preview: the restored frame the scrubber points at, before running the whole video.
  await page.getByTestId('preview-scrub').fill('3');
  await page.getByTestId('preview-button').click();
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-source', 'preview', { timeout: 180_000 });
  await expect(page.getByTestId('viewer-caption')).toContainText('Preview of frame 4 of 15');
  await expect(page.getByTestId('blurred-canvas')).toHaveJSProperty('width', CLIP.width);
  await expect(page.getByTestId('restored-canvas')).toHaveJSProperty('width', CLIP.width);

  // Quality: two mirrored passes give the same picture, a little different; then back to one pass.
  const restoredPixels = () =>
    page.getByTestId('restored-canvas').evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data));
  const onePass = await restoredPixels();
  await page.getByTestId('quality-select').selectOption('2');
  await expect(page.getByText('Each frame is restored 2 times, mirrored')).toBeVisible();
  await page.getByTestId('preview-button').click();
  await expect.poll(restoredPixels, { timeout: 180_000 }).not.toEqual(onePass);
  const twoPasses = await restoredPixels();
  const meanDiff = onePass.reduce((sum, v, i) => sum + Math.abs(v - twoPasses[i]!), 0) / onePass.length;
  console.log(`preview, 2 passes vs 1: mean |diff| ${meanDiff.toFixed(2)} of 255`);
  expect(meanDiff).toBeLessThan(4);
  await page.getByTestId('quality-select').selectOption('1');

  // The whole video.
  await page.getByTestId('start-button').click();
  await expect(page.getByTestId('progress')).toBeVisible();
  // Both panes show frames of the run while it works.
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-source', 'run', { timeout: 240_000 });
  await expect(page.getByTestId('restored-canvas')).toHaveAttribute('data-drawn', /\d+/);

  await expect(page.getByTestId('progress-percent')).toHaveText('100%', { timeout: 300_000 });
  await expect(page.getByTestId('result')).toBeVisible();
  await expect(page.getByTestId('result-video')).toContainText(/H\.264|VP9|AV1/);
  await expect(page.getByTestId('result-audio')).toContainText(/AAC audio was copied|Opus/);
  await expect(page.getByTestId('history-scrub')).toBeVisible();

  // Split view with a keyboard-driven divider, and 100% zoom.
  await page.getByRole('button', { name: 'Split' }).click();
  const handle = page.getByTestId('split-handle');
  await expect(handle).toHaveAttribute('aria-valuenow', '50');
  await handle.focus();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('Shift+ArrowLeft');
  await expect(handle).toHaveAttribute('aria-valuenow', '38');
  await page.getByRole('button', { name: 'Zoom 100%' }).click();
  await expect(page.getByRole('button', { name: 'Zoom 100%' })).toHaveAttribute('aria-pressed', 'true');
  await page.getByRole('button', { name: 'Zoom 100%' }).click();
  await page.getByRole('button', { name: 'Side by side' }).click();
  await page.screenshot({ path: 'docs/screenshots/done.png', fullPage: true });

  const downloadPromise = page.waitForEvent('download');
  await page.getByTestId('download').click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toBe('shaky-clip-deblurred.mp4');
  mkdirSync(FIXTURE_DIR, { recursive: true });
  const out = join(FIXTURE_DIR, 'downloaded.mp4');
  await download.saveAs(out);
  copyFileSync(out, join(FIXTURE_DIR, 'last-output.mp4'));

  const probe = ffprobe(out);
  const input = ffprobe(FIXTURES.clip);
  expect(probe.width).toBe(CLIP.width);
  expect(probe.height).toBe(CLIP.height);
  expect(probe.frames).toBe(CLIP.frames);
  expect(Math.abs(probe.duration - input.duration)).toBeLessThanOrEqual(1 / CLIP.fps + 1e-3);
  expect(probe.audioCodec).not.toBeNull();

  const sharp = decodeRgb(SHARP_INPUT, CLIP.width, CLIP.height);
  const inputFrames = decodeRgb(['-i', FIXTURES.clip], CLIP.width, CLIP.height);
  const outputFrames = decodeRgb(['-i', out], CLIP.width, CLIP.height);
  expect(outputFrames.length).toBe(CLIP.frames);
  const psnrIn = meanPsnr(inputFrames, sharp);
  const psnrOut = meanPsnr(outputFrames, sharp);
  test.info().annotations.push({ type: 'psnr', description: `input ${psnrIn.toFixed(2)} dB, output ${psnrOut.toFixed(2)} dB` });
  console.log(`PSNR vs sharp: input ${psnrIn.toFixed(2)} dB, output ${psnrOut.toFixed(2)} dB`);
  // Needs the trained weights in public/models/base.
  expect(psnrOut).toBeGreaterThan(psnrIn);

  expect(errors).toEqual([]);
});
