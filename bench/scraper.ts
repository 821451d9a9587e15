/**
 * A Prometheus-like scraper for the benchmarks that run the server as its own process (load,
 * national): bench/scrape-client.mjs in a process of its own, asking for /metrics gzip'd at a
 * fixed interval, each scrape with a deadline.
 * @module
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** One scrape as bench/scrape-client.mjs reports it. */
export interface Scrape {
  at: number
  ms: number
  status: number | string
  bytes: number
}

/** Starts the scraper process; `stop()` ends it and returns every scrape it made. */
export function startScraper(url: string, token: string, intervalMs: number, timeoutMs: number): { stop: () => Promise<Scrape[]> } {
  const script = fileURLToPath(new URL('./scrape-client.mjs', import.meta.url))
  const child = spawn(process.execPath, [script, url, token, String(intervalMs), String(timeoutMs)], { stdio: ['ignore', 'pipe', 'inherit'] })
  let text = ''
  child.stdout.on('data', (d: Buffer) => (text += d.toString('utf8')))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    async stop() {
      child.kill('SIGTERM')
      await exited
      return text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Scrape)
    },
  }
}
