/**
 * `npm run bench -- --quick` (issue 14): every benchmark at a small size, in well under
 * 3 minutes. Asserts no timing, only that each one ran to its end and printed its figures (each
 * benchmark throws when its own answers disagree: a replay that stored something twice, a
 * series that differs from the hand-written SQL, a count that is off).
 */
import { spawn } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const DEADLINE_MS = 180_000

it('npm run bench -- --quick runs every benchmark within 3 minutes', async () => {
  const started = performance.now()
  const { code, out, err } = await new Promise<{ code: number | null; out: string; err: string }>((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick'], {
      cwd: ROOT,
      env: { ...process.env, BENCH_ONLY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: AbortSignal.timeout(DEADLINE_MS),
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')))
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')))
    child.once('error', fail)
    child.once('exit', (c) => done({ code: c, out, err }))
  })
  expect(code, `${out}\n${err}`).toBe(0)
  for (const header of [
    /^icmp, 20 loopback targets/m,
    /^storage @ 20,000 results/m,
    /^ingest over HTTP @ 20,000 stored results/m,
    /replay of 5 stored batches\s+: 0 accepted, 2500 duplicates/m,
    /transport floor \(node:http, gunzip, JSON\.parse; nothing stored or graded\): [\d,]+ results\/s/m,
    /^national load: 999 live targets/m,
    /^ {2}\/metrics every 5 s \(gzip\) : [1-9]\d* scrapes, 0 failed/m,
    /^load: 999 targets, 2,000 results\/s/m,
    /paced load\s+: 12\/12 batches 202, 0 errors/m,
    /^\/metrics render, /m,
    /^series query, 30 days/m,
    /^series query, 365 days/m,
    /^dashboard first render/m,
    /^overview history: /m,
  ]) {
    expect(out).toMatch(header)
  }
  expect(performance.now() - started).toBeLessThan(DEADLINE_MS)
}, DEADLINE_MS + 10_000)
