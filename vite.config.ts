import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));
const shaders = fileURLToPath(new URL('./shaders', import.meta.url));

export default defineConfig({
  plugins: [react()],
  // Workers are ES modules (the engine runs in a module worker).
  worker: { format: 'es' },
  server: {
    host: '127.0.0.1',
    port: 5173,
    // WGSL sources in shaders/ are imported with `?raw`.
    fs: { allow: [root, shaders] },
  },
  preview: { host: '127.0.0.1' },
  build: { target: 'es2022' },
});
