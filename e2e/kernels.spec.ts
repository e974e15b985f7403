// The four WebGPU kernels against the TypeScript reference in real headless
// Chromium (WebGPU on SwiftShader), through the Vite dev server.
import { expect, test } from '@playwright/test';

test('WebGPU kernels match the reference in the browser', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto('/e2e/pages/kernels.html');
  // The first visit may wait for Vite to pre-bundle TF.js.
  await expect(page.locator('#status')).toHaveText('ready', { timeout: 90_000 });
  const result = await page.evaluate(() => window.runKernelChecks());
  console.log(JSON.stringify(result));
  expect(result.backend).toBe('webgpu');
  for (const name of ['flowWarp', 'correlation', 'dcnAlign', 'dlfl']) {
    expect(result.errors[name], name).toBeLessThanOrEqual(1e-4);
  }
  expect(result.tensorsAfter).toBe(result.tensorsBefore);
  expect(result.gpuBytesAfter).toBe(result.gpuBytesBefore);
  expect(errors).toEqual([]);
});
