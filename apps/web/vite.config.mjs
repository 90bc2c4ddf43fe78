// Vite build of the web front end (React). The NestJS server serves the output from dist/apps/web.
// `npx vite --config apps/web/vite.config.mjs` runs a dev server that proxies the API and
// socket.io to a platform on http://127.0.0.1:3000.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const platform = 'http://127.0.0.1:3000';

export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [react()],
  resolve: {
    alias: { '@circulator/contracts': here('../../libs/contracts/src/index.ts') },
  },
  build: {
    outDir: here('../../dist/apps/web'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  server: {
    proxy: {
      '/api': platform,
      '/health': platform,
      '/socket.io': { target: platform, ws: true },
    },
  },
});
