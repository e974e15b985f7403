import { chromium, expect, test, type Browser } from '@playwright/test';
import { launchOptions, NO_WEBGPU_ARGS } from './chromium';

// A browser that gives no WebGPU adapter (here: SwiftShader without
// --enable-unsafe-webgpu) must get clear instructions, not a broken page.
let browser: Browser;

test.beforeAll(async () => {
  browser = await chromium.launch({ ...launchOptions(NO_WEBGPU_ARGS), headless: true });
});

test.afterAll(async () => {
  await browser?.close();
});

test('without WebGPU the page explains how to get it', async ({ baseURL }) => {
  const page = await browser.newPage({ baseURL, viewport: { width: 1100, height: 760 } });
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Unblur' })).toBeVisible();

  const status = page.getByTestId('webgpu-status');
  await expect(status).toHaveAttribute('data-state', /^(no-api|no-adapter|error)$/);
  await expect(status).toContainText(/WebGPU/);
  const help = page.getByTestId('webgpu-help');
  await expect(help).toContainText('Chrome or Edge 113');
  await expect(help).toContainText('chrome://settings/system');
  await expect(help).toContainText('--enable-unsafe-webgpu --enable-features=Vulkan');
  await expect(help).toContainText('chrome://gpu');
  // The drop zone still works; only the engine needs WebGPU.
  await expect(page.getByTestId('drop-zone')).toBeVisible();
  await page.screenshot({ path: 'docs/screenshots/no-webgpu.png', fullPage: true });
  await page.close();
});
