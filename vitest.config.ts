import { defineConfig } from 'vitest/config';

// Unit and GPU-kernel tests run in Node. WebGPU comes from the `webgpu` npm
// package (Dawn) on SwiftShader; see src/gpu/node-webgpu.ts.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'bench/**/*.test.ts', 'cli/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['src/gpu/node-webgpu-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // SwiftShader is slow and single-device: run files one after another.
    fileParallelism: false,
  },
});
