import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const root = fileURLToPath(new URL('..', import.meta.url))

/**
 * The server bundle (`npm run build` → dist/server/main.mjs, what `npm start` runs): main.ts and
 * everything it imports from this repository in one ES module, the packages in node_modules left
 * as imports (Vite's SSR build keeps them external). Run by plain Node, it leaves tsx's loader,
 * its transform cache and the TypeScript sources out of the server's memory. Files the server
 * reads at run time (package.json, the migrations, dist/web) are found from the app root
 * (server/app-root.ts), so the bundle's own folder does not matter.
 */
export default defineConfig({
  root,
  logLevel: 'warn',
  build: {
    ssr: fileURLToPath(new URL('../main.ts', import.meta.url)),
    outDir: fileURLToPath(new URL('../dist/server', import.meta.url)),
    emptyOutDir: true,
    target: 'node20',
    // Readable stack traces in the journal: names and lines kept, no source maps to load.
    minify: false,
    sourcemap: false,
    rollupOptions: {
      output: {
        entryFileNames: 'main.mjs',
        // V8 keeps a module's source text for as long as the process runs. The Vietnamese
        // messages make it a two-byte string (2 B a character for the whole file); escaped
        // to ASCII and without comments it takes 0.65 MB instead of 1.65 MB.
        comments: false,
        minify: { compress: false, mangle: false, codegen: { removeWhitespace: false, asciiOnly: true } },
      },
    },
  },
})
