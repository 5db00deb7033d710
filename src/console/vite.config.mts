/**
 * Builds the tenant console (npm run build:console) into dist/console, which the API serves under /console/.
 * Everything is bundled: no CDN, no font or script from elsewhere, so the console works on a closed network.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/console/',
  plugins: [react()],
  // the examples to start from are read from examples/specs at build time
  server: { fs: { allow: [fileURLToPath(new URL('../..', import.meta.url))] } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    // React, Chart.js, zod and yaml in one bundle, loaded once and cached for good (hashed names)
    chunkSizeWarningLimit: 1024,
  },
});
