import { defineConfig } from '@playwright/test';
import { E2E_BASE_URL, E2E_PORT, launchOptions } from './e2e/chromium';

// Browser tests in Debian's headless Chromium with WebGPU on SwiftShader.
// Never `npx playwright install`: the browser is /usr/bin/chromium.
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'e2e/artifacts',
  // 2 cores and a software GPU: one test at a time, generous timeouts.
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    baseURL: E2E_BASE_URL,
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1100, height: 760 },
    launchOptions: launchOptions(),
    trace: 'retain-on-failure',
  },
  webServer: {
    command: `node node_modules/vite/bin/vite.js --host 127.0.0.1 --port ${E2E_PORT} --strictPort`,
    url: E2E_BASE_URL,
    reuseExistingServer: !process.env.CI,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
