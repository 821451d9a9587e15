// `npm start` (and the systemd unit): runs the server from its bundle, dist/server/main.mjs, with
// plain Node. The bundle is main.ts and this repository's modules in one file (server/vite.config.ts);
// run that way the server process carries no TypeScript loader, its transform cache or the
// sources (~70 MB less resident memory with 10,000 targets, BENCHMARKS.md "Server at national load").
//
// When the bundle or the dashboard (dist/web) is missing or older than its sources, they are built
// first, by Vite in a child process (a few seconds; the builder's memory goes with it). When that
// build fails — e.g. a read-only checkout under systemd, updated without `npm run build` — this
// says so on stderr and runs main.ts through tsx instead (the sources as they are, more memory).
// Arguments are passed on: `npm start -- --no-demo`.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BUNDLE = join(ROOT, 'dist', 'server', 'main.mjs')
const WEB_INDEX = join(ROOT, 'dist', 'web', 'index.html')

/** Modification time of a file, or the newest under a folder (node_modules skipped); -Infinity when absent. */
function newest(path) {
  if (!existsSync(path)) return -Infinity
  const st = statSync(path)
  if (!st.isDirectory()) return st.mtimeMs
  let max = -Infinity
  for (const e of readdirSync(path)) if (e !== 'node_modules') max = Math.max(max, newest(join(path, e)))
  return max
}

/** Runs `vite build` with `args` in a child; its output goes to stderr (stdout carries the server's JSON logs). */
function viteBuild(args) {
  const bin = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js')
  const run = spawnSync(process.execPath, [bin, 'build', '--logLevel', 'warn', ...args], { cwd: ROOT, stdio: ['ignore', 2, 2] })
  if (run.status !== 0) throw new Error(`vite build ${args.join(' ')} ${run.error ? run.error.message : `exited ${run.status}`}`)
}

/**
 * Builds one output beside `out`, then swaps it in: another server on this checkout may be
 * serving dist/web (or starting from dist/server) meanwhile.
 */
function buildInto(out, config) {
  const staging = `${out}-build-${process.pid}`
  try {
    viteBuild(['--config', config, '--outDir', staging, '--emptyOutDir'])
    rmSync(out, { recursive: true, force: true })
    renameSync(staging, out)
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
}

const serverSources = Math.max(newest(join(ROOT, 'main.ts')), newest(join(ROOT, 'package.json')), newest(join(ROOT, 'server')), newest(join(ROOT, 'protocol')), newest(join(ROOT, 'probes')))
const webSources = Math.max(newest(join(ROOT, 'web')), newest(join(ROOT, 'protocol')))

let entry = BUNDLE
try {
  if (newest(WEB_INDEX) < webSources) {
    process.stderr.write('xanh: building the dashboard (dist/web) …\n')
    buildInto(join(ROOT, 'dist', 'web'), join(ROOT, 'web', 'vite.config.ts'))
  }
  if (newest(BUNDLE) < serverSources) {
    process.stderr.write('xanh: building the server (dist/server/main.mjs) …\n')
    buildInto(join(ROOT, 'dist', 'server'), join(ROOT, 'server', 'vite.config.ts'))
  }
} catch (err) {
  process.stderr.write(`xanh: cannot build (${err instanceof Error ? err.message : String(err)}); running main.ts through tsx instead (more memory). Run \`npm run build\` after each update.\n`)
  entry = join(ROOT, 'main.ts')
  const { register } = await import('tsx/esm/api')
  register()
}
await import(pathToFileURL(entry).href)
