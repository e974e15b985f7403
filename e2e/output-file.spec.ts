// The restored MP4 is written to the origin-private file system as it is made
// (src/media/output-file.ts), not kept in memory: the download is that file,
// leftovers of closed tabs are swept, and a full disk is said in plain words.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { CLIP, dropFile, ensureFixtures, expectClipOpened, ffprobe, FIXTURES, saveDownload } from './app-fixtures';

test.beforeAll(() => {
  ensureFixtures();
});

/** A page that is still open (this test holds its lock) and one that was closed. */
const LIVE = '11111111-2222-4333-8444-555555555555';
const GONE = '99999999-8888-4777-8666-555555555555';

/** The output folder's files and sizes. */
function outputFiles(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle('unblur-output', { create: true });
    const out: Record<string, number> = {};
    // @ts-expect-error: keys() is missing from this TypeScript's DOM types
    for await (const name of dir.keys() as AsyncIterable<string>) out[name] = (await (await dir.getFileHandle(name)).getFile()).size;
    return out;
  });
}

test('the output goes to disk as it is made; closed tabs’ leftovers are swept; a full disk is said in plain words', async ({ page }) => {
  test.setTimeout(600_000);
  await page.goto('/');
  await page.evaluate(
    async ({ live, gone }) => {
      const root = await navigator.storage.getDirectory();
      const dir = await root.getDirectoryHandle('unblur-output', { create: true });
      for (const id of [live, gone]) {
        const w = await (await dir.getFileHandle(`${id}.old.mp4`, { create: true })).createWritable();
        await w.write(new Uint8Array(1000));
        await w.close();
      }
      void navigator.locks.request(live, () => new Promise(() => undefined));
    },
    { live: LIVE, gone: GONE },
  );
  const usageBefore = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);

  await dropFile(page, FIXTURES.clip, 'to-disk.mp4');
  await expectClipOpened(page);
  await page.getByTestId('start-button').click();
  await expect(page.getByTestId('progress-percent')).toHaveText('100%', { timeout: 300_000 });
  const out = await saveDownload(page, 'to-disk-out.mp4');
  expect(ffprobe(out).frames).toBe(CLIP.frames);

  const files = await outputFiles(page);
  expect(files[`${GONE}.old.mp4`]).toBeUndefined();
  expect(files[`${LIVE}.old.mp4`]).toBe(1000);
  const ours = Object.keys(files).filter((n) => /^[0-9a-f-]{36}\.[0-9a-f]{16}\.mp4$/.test(n));
  expect(ours).toHaveLength(1);
  expect(files[ours[0]!]).toBe(readFileSync(out).byteLength);

  // A disk with room for a few kilobytes more than before the first run: the next output cannot fit.
  const cdp = await page.context().newCDPSession(page);
  const origin = new URL(page.url()).origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usageBefore + 4096 });
  await page.getByTestId('start-button').click();
  const err = page.getByTestId('error');
  await expect(err).toHaveAttribute('data-code', 'disk-full', { timeout: 300_000 });
  await expect(page.getByTestId('error-title')).toHaveText('Not enough disk space');
  await expect(page.getByTestId('error-message')).toContainText('Free some disk space');
  await expect(page.getByTestId('result')).toHaveCount(0);
  // Nothing of this page is left on disk: the earlier output went before the run, the partial one after it.
  expect(Object.keys(await outputFiles(page)).sort()).toEqual([`${LIVE}.old.mp4`]);

  await expect(page.getByTestId('restart-button')).toBeVisible(); // once there is room again
});
