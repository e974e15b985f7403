import { expect, test } from '@playwright/test';

test('app page shows the product and a SwiftShader WebGPU adapter', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto('/');
  await expect(page).toHaveTitle(/Unblur/);
  await expect(page.getByRole('heading', { level: 1, name: 'Unblur' })).toBeVisible();
  await expect(page.getByTestId('drop-zone')).toBeVisible();

  const status = page.getByTestId('webgpu-status');
  await expect(status).toHaveAttribute('data-state', 'fallback');
  await expect(page.getByTestId('webgpu-adapter')).toContainText(/swiftshader/i);
  await expect(status).toContainText(/fallback/i);

  await page.screenshot({ path: 'docs/screenshots/empty.png', fullPage: true });
  expect(errors).toEqual([]);
});

test('a picked file shows its name, size and type', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('file-input').setInputFiles({
    name: 'shaky-walk.mp4',
    mimeType: 'video/mp4',
    buffer: Buffer.alloc(2048, 1),
  });
  await expect(page.getByTestId('file-name')).toHaveText('shaky-walk.mp4');
  await expect(page.getByTestId('file-size')).toContainText('2.05 KB');
  await expect(page.getByTestId('file-size')).toContainText('2,048 bytes');
  await expect(page.getByTestId('file-type')).toHaveText('video/mp4');
  await expect(page.getByTestId('file-notice')).toHaveCount(0);

  await page.getByRole('button', { name: 'Clear' }).click();
  await expect(page.getByTestId('file-facts')).toHaveCount(0);
});

test('a file dropped on the zone is taken', async ({ page }) => {
  await page.goto('/');
  const zone = page.getByTestId('drop-zone');
  const dataTransfer = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(10)], 'notes.txt', { type: 'text/plain' }));
    return dt;
  });
  await zone.dispatchEvent('dragenter', { dataTransfer });
  await expect(zone).toHaveClass(/drop__zone--over/);
  await zone.dispatchEvent('drop', { dataTransfer });
  await expect(page.getByTestId('file-name')).toHaveText('notes.txt');
  await expect(page.getByTestId('file-notice')).toContainText('does not look like a video');
  await expect(zone).not.toHaveClass(/drop__zone--over/);
});
