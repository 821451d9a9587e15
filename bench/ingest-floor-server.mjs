// The transport floor of bench/ingest.ts: what any server taking this protocol pays before it
// stores or judges anything. node:http alone (no framework), each body gunzip'd and parsed with
// JSON.parse, answered 202 with the count of its results — nothing validated, stored or graded.
// Run as its own process with npm start's Node flags, like the server it is compared with.
// stdout: `{ "url", "cpuMs" }` once it listens; on SIGTERM `{ "cpuMs", "results" }`, then exit 0.
import http from 'node:http'
import { gunzipSync } from 'node:zlib'

let results = 0
const server = http.createServer((req, res) => {
  const parts = []
  req.on('data', (d) => parts.push(d))
  req.on('end', () => {
    const body = JSON.parse(gunzipSync(Buffer.concat(parts)).toString('utf8'))
    const n = Array.isArray(body.results) ? body.results.length : 0
    results += n
    res.writeHead(202, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ accepted: n, duplicates: 0 }))
  })
})
const cpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}`, cpuMs: cpuMs() }) + '\n')
})
process.once('SIGTERM', () => {
  server.closeAllConnections()
  server.close()
  process.stdout.write(JSON.stringify({ cpuMs: cpuMs(), results }) + '\n')
  process.exit(0)
})
