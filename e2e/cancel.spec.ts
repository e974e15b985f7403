// Cancel stops a run between frames, keeps nothing, and the page can run again;
// while work is at stake (a run, a result not downloaded) leaving the page asks first.
import { expect, test, type Page } from '@playwright/test';
import { dropFile, ensureFixtures, expectClipOpened, FIXTURES, frameTimes, saveDownload } from './app-fixtures';

test.beforeAll(() => {
  ensureFixtures();
});

/** Whether leaving the page now would make it ask first (a cancelable beforeunload, as the browser sends). */
function asksBeforeLeaving(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const e = new Event('beforeunload', { cancelable: true });
    window.dispatchEvent(e);
    return e.defaultPrevented;
  });
}

test('cancel mid-run discards the output; a new run then finishes and keeps variable frame timing', async ({ page }) => {
  test.setTimeout(400_000);
  // frameDelayMs makes every frame take at least 400 ms, whatever the engine's speed.
  await page.goto('/?frameDelayMs=400');
  // A variable-frame-rate clip (gaps after frames 8 and 12, B-frames).
  await dropFile(page, FIXTURES.vfr, 'cancel-me.mp4');
  await expectClipOpened(page);
  await page.getByTestId('start-button').click();
  const bar = page.getByTestId('progress-bar');
  await expect(bar).toHaveAttribute('aria-valuenow', /^([1-9]\d?)$/, { timeout: 240_000 });
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-source', 'run');
  // Closing the tab mid-run asks first (the browser's own dialog); staying keeps the run going.
  const dialog = page.waitForEvent('dialog');
  await page.close({ runBeforeUnload: true });
  const leave = await dialog;
  expect(leave.type()).toBe('beforeunload');
  await leave.dismiss();
  await expect(page.getByTestId('cancel-button')).toBeVisible();
  await page.getByTestId('split-handle').or(page.getByRole('button', { name: 'Split' })).first().click();
  await page.screenshot({ path: 'docs/screenshots/running.png', fullPage: true });
  await page.getByTestId('cancel-button').click();

  await expect(page.getByTestId('run-notice')).toContainText('Cancelled. Nothing was saved');
  await expect(page.getByTestId('progress')).toHaveCount(0);
  await expect(page.getByTestId('result')).toHaveCount(0);
  await expect(page.getByTestId('download')).toHaveCount(0);
  await expect(page.getByTestId('error')).toHaveCount(0);
  await expect(page.getByTestId('start-button')).toBeEnabled();
  expect(await asksBeforeLeaving(page)).toBe(false);

  // A late frame of the cancelled run must not reappear, and a fresh run completes.
  await page.getByTestId('start-button').click();
  await expect(page.getByTestId('progress-percent')).toHaveText('100%', { timeout: 300_000 });
  await expect(page.getByTestId('download')).toBeVisible();
  expect(await asksBeforeLeaving(page)).toBe(true); // the result is not saved yet
  const out = await saveDownload(page, 'vfr-out.mp4');
  expect(await asksBeforeLeaving(page)).toBe(false);
  const want = frameTimes(FIXTURES.vfr);
  const got = frameTimes(out);
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(0.002);
});

test('dropping another file while a run is going cancels it and opens the new one', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/?frameDelayMs=400');
  await dropFile(page, FIXTURES.clip, 'first.mp4');
  await expectClipOpened(page);
  await page.getByTestId('start-button').click();
  await expect(page.getByTestId('cancel-button')).toBeVisible();
  await dropFile(page, FIXTURES.clip, 'second.mp4');
  await expect(page.getByTestId('file-name')).toHaveText('second.mp4');
  await expectClipOpened(page);
  await expect(page.getByTestId('progress')).toHaveCount(0);
  await expect(page.getByTestId('start-button')).toBeEnabled();
});
