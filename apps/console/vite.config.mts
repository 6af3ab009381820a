import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * The browser console: built into dist/console, which the router serves at `/`. Preact's JSX
 * through Vite's own transform (no Babel); the contract's zod schemas come from libs/contracts.
 */
export default defineConfig({
  root: here('.'),
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: {
    alias: {
      '@lifeline/contracts': here('../../libs/contracts/src/index.ts'),
      '@lifeline/domain': here('../../libs/domain/src/index.ts'),
    },
  },
  build: {
    outDir: here('../../dist/console'),
    emptyOutDir: true,
    target: 'es2022',
    // One small app: a single chunk loads at once on a closed network.
    chunkSizeWarningLimit: 1024,
  },
  logLevel: 'warn',
});
