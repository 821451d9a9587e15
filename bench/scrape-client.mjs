// Scraper of bench/load.ts, run as its own process: the benchmark's own process receives 200
// dashboards' live feeds (tens of MB/s), and a scrape timed there measured that process's
// backlog as much as the server. argv: url token intervalMs timeoutMs. Asks for /metrics
// (gzip, as Prometheus does) every intervalMs until SIGTERM; prints one JSON line per scrape:
// { at (epoch ms when sent), ms, status (or "error CODE"), bytes }.
import http from 'node:http'

const [url, token, intervalArg, timeoutArg] = process.argv.slice(2)
const interval = Number(intervalArg)
const timeout = Number(timeoutArg)
const target = new URL('/metrics', url)

function scrape() {
  // The benchmark died without stopping us: stop too.
  if (process.ppid === 1) process.exit(0)
  const at = Date.now()
  const started = performance.now()
  const done = (status, bytes) => process.stdout.write(JSON.stringify({ at, ms: performance.now() - started, status, bytes }) + '\n')
  // A connection per scrape: scraping every 5 s over a keep-alive socket the server closes after
  // 5 s idle races its close (Prometheus retries such a GET; this client would count an error).
  const req = http.get(target, { agent: false, headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip' }, signal: AbortSignal.timeout(timeout) }, (res) => {
    let bytes = 0
    res.on('data', (c) => (bytes += c.length))
    res.on('end', () => done(res.statusCode, bytes))
    res.on('error', (err) => done(`error ${err.code ?? err.name}`, bytes))
  })
  req.on('error', (err) => done(`error ${err.code ?? err.name}`, 0))
}

const timer = setInterval(scrape, interval)
process.on('SIGTERM', () => {
  clearInterval(timer)
  // Scrapes still running are let finish (or reach their deadline).
  setTimeout(() => process.exit(0), timeout).unref()
})
