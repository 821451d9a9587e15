import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const webRoot = fileURLToPath(new URL('.', import.meta.url))

/**
 * Dashboard build (SPEC §8). JSX is compiled by Vite's built-in oxc transform with Preact's
 * automatic runtime, so no framework plugin is needed. Everything (CSS, uPlot) is bundled:
 * the dashboard must work on a provincial network with no access to any CDN.
 */
export default defineConfig({
  root: webRoot,
  base: '/',
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    // The whole app is one small chunk; inlining tiny assets keeps it a single request.
    assetsInlineLimit: 8192,
  },
  server: {
    // `npm start` on :8080 serves the API; in dev, proxy to it so the app is same-origin.
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080', ws: true },
    },
  },
})
