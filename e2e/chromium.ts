// The one place that says how to launch Debian's Chromium with WebGPU on
// SwiftShader (software Vulkan); see /work/shared/PLATFORM.md. Specs that need
// a differently configured browser (e.g. without WebGPU) reuse these.
import type { LaunchOptions } from '@playwright/test';

export const CHROMIUM_PATH = process.env.UNBLUR_CHROMIUM ?? '/usr/bin/chromium';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Environment for the browser process: Vulkan loader finds SwiftShader. */
export const CHROMIUM_ENV: Record<string, string> = {
  ...(process.env as Record<string, string>),
  VK_ICD_FILENAMES: SWIFTSHADER_ICD,
};

export const ENABLE_WEBGPU_ARG = '--enable-unsafe-webgpu';

/**
 * Exactly the measured flag set. `--enable-unsafe-webgpu` alone gives compute
 * only; WebGPU canvases and VideoFrame import need the Vulkan/ANGLE flags too.
 * Never add --disable-gpu or --disable-vulkan-surface. Playwright adds its own
 * fresh --user-data-dir.
 */
export const WEBGPU_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  ENABLE_WEBGPU_ARG,
  '--use-angle=vulkan',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--disable-accelerated-2d-canvas',
];

/** The same browser without WebGPU unlocked: what a user with no usable GPU sees. */
export const NO_WEBGPU_ARGS: readonly string[] = WEBGPU_ARGS.filter((a) => a !== ENABLE_WEBGPU_ARG);

export function launchOptions(args: readonly string[] = WEBGPU_ARGS): LaunchOptions {
  return {
    executablePath: CHROMIUM_PATH,
    env: CHROMIUM_ENV,
    args: [...args],
  };
}

/** Port of the Vite server the E2E tests start (the dev server uses 5173). */
export const E2E_PORT = 5174;
export const E2E_BASE_URL = `http://127.0.0.1:${E2E_PORT}`;
