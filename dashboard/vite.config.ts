import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The officials' dashboard (issue #7): plain TypeScript + uPlot + graphql-ws,
 * bundled into dist/dashboard and served by the hub at /dashboard from local
 * files (no CDN). Relative asset URLs (`base: './'`) keep it working under
 * any path prefix.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // One small bundle: no source maps shipped to officials' browsers.
    sourcemap: false,
    reportCompressedSize: false,
  },
});
