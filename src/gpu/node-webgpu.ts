// Installs WebGPU into a Node process from the `webgpu` npm package (Dawn).
// On machines without a GPU it runs on Chromium's SwiftShader Vulkan driver
// (PLATFORM.md), chosen through VK_ICD_FILENAMES; where a GPU device node
// exists (/dev/nvidia0, /dev/dri/renderD*), the system's Vulkan driver is left
// to Dawn. VK_ICD_FILENAMES set by the caller always wins;
// UNBLUR_SOFTWARE_GPU=1 forces SwiftShader.
import { existsSync, readdirSync } from 'node:fs';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

function hasGpuDevice(): boolean {
  if (existsSync('/dev/nvidia0')) return true;
  try {
    return readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
  } catch {
    return false;
  }
}

export async function installNodeWebGPU(): Promise<void> {
  const g = globalThis as unknown as { navigator?: { gpu?: GPU } };
  if (g.navigator?.gpu) return;
  const chosen = process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES;
  const software = process.env.UNBLUR_SOFTWARE_GPU === '1' || !hasGpuDevice();
  if (!chosen && software && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const gpu = create([]) as unknown as GPU;
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
}
