// Load client of bench/ingest.ts, run as its own process so the server's CPU is measured alone.
// argv: url token bodiesFile concurrency [startAtMs paceMs]. The bodies file holds gzip'd batch
// bodies, each prefixed by its length (uint32 BE). Sends each once over keep-alive connections,
// at most `concurrency` in flight — as fast as answered, or, with a pace, body i not before
// startAtMs + i × paceMs (a steady load) — and prints one JSON line:
// { ok, errors, statuses, latenciesMs, seconds, firstAnswer, retryAfter }.
import { readFileSync } from 'node:fs'
import http from 'node:http'

const [url, token, file, concurrencyArg, startAtArg, paceArg] = process.argv.slice(2)
const startAt = Number(startAtArg ?? 0)
const pace = Number(paceArg ?? 0)
const concurrency = Number(concurrencyArg)
const raw = readFileSync(file)
const bodies = []
for (let o = 0; o < raw.length; ) {
  const n = raw.readUInt32BE(o)
  bodies.push(raw.subarray(o + 4, o + 4 + n))
  o += 4 + n
}
// Idle sockets are closed after 4 s, before the server's keep-alive timeout (Node's default 5 s),
// as the probe's fetch (undici) does from the server's Keep-Alive hint: reusing a socket the
// server is closing at that instant fails with ECONNRESET, a client race rather than an answer.
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, timeout: 4000 })
const target = new URL('/api/v1/ingest', url)
const statuses = {}
const latencies = []
let errors = 0
/** The Retry-After of the first 429, to show what agents are told. */
let retryAfter = null
let next = 0

function send(body) {
  return new Promise((resolve) => {
    const started = performance.now()
    const req = http.request(
      target,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length, authorization: `Bearer ${token}` },
        // A batch that takes longer than this counts as an error.
        signal: AbortSignal.timeout(30_000),
      },
      (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          latencies.push(performance.now() - started)
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1
          if (res.statusCode === 429) retryAfter ??= res.headers['retry-after'] ?? 'none'
          if (res.statusCode !== 202) errors++
          resolve(Buffer.concat(chunks).toString('utf8'))
        })
      },
    )
    req.on('error', (err) => {
      errors++
      // No answer at all: counted by its code (ECONNRESET, ABORT_ERR for the 30 s deadline…).
      const code = `error ${err.code ?? err.name}`
      statuses[code] = (statuses[code] ?? 0) + 1
      resolve('')
    })
    req.end(body)
  })
}

const answers = []
async function lane() {
  while (next < bodies.length) {
    const i = next++
    if (pace > 0) {
      const wait = startAt + i * pace - Date.now()
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    }
    answers[i] = await send(bodies[i])
  }
}
const t0 = performance.now()
await Promise.all(Array.from({ length: concurrency }, lane))
// Paced: from the first batch's appointed time (the wait before it is not load) to the last answer.
const seconds = pace > 0 ? (Date.now() - startAt) / 1000 : (performance.now() - t0) / 1000
agent.destroy()
// The client's own CPU, so that a run can say how much of the machine's two cores it took.
const cpu = process.cpuUsage()
process.stdout.write(JSON.stringify({ ok: bodies.length - errors, errors, statuses, latenciesMs: latencies, seconds, firstAnswer: answers[0], retryAfter, cpuMs: (cpu.user + cpu.system) / 1000 }) + '\n')
