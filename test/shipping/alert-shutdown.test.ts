/**
 * SIGTERM with alert traffic (issue 15, done-when 4): `main.ts` as its own process, two real
 * shipping agents at ~1,000 results/s each, targets driven down in waves so incidents open and
 * notifications are queued for two support groups, each with a signed webhook channel (Standard
 * Webhooks) pointed at a receiver this test runs. The receiver answers the first wave, then holds
 * every request without answering: at SIGTERM each channel has one delivery in flight and more
 * waiting behind it. Once the server logs that it is shutting down, the receiver answers one of
 * the two held deliveries (a provider answering during the shutdown's grace) and never the other.
 *
 * Checked: the server exits 0 within 10 s; before restart, every incident has its outbox rows,
 * every row is whole (its message parses and carries its key), a row is `sent` exactly when the
 * receiver answered its delivery, and `PRAGMA integrity_check` is ok. After a restart on the same
 * data directory with the receiver answering, every notification arrives: the outbox is
 * at-least-once (server/alerting/outbox.ts): the delivery cut short at the shutdown's deadline is
 * repeated under the same `webhook-id` with the same body (the receiver drops it by that id);
 * every other notification, the one answered during the grace included, arrives exactly once. Every result acknowledged before SIGTERM is stored.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { join } from 'node:path'
import { afterAll, expect, it, vi } from 'vitest'
import type { CommuneInput } from '../../protocol'
import { webhookId } from '../../server/alerting/notifiers/webhook'
import { openDatabase } from '../../server/store/db'
import { Store } from '../../server/store/store'
import type { OutboxRow } from '../../server/store/types'
import { verifyStandardWebhook } from '../helpers/standard-webhooks'
import { tempDir } from './harness'
import { drainAgents, expectAllStoredOnce, freePort, moreDelivered, prepareInventory, startAgent, startMain, type Agent, type Main } from './main-process'

const SECRET = `whsec_${Buffer.from('xanh-outbox-sigterm-test-key-2026').toString('base64')}`
const COMMUNES: CommuneInput[] = Array.from({ length: 10 }, (_, i) => ({ code: `KS-${i}`, name: `Xã Kỳ Sơn ${i}`, kind: 'xa', districtCluster: 'Cụm Kỳ Sơn', lat: 19.4, lon: 104.2, contractedMbps: 100, priority: 0, notes: '' }))
/** Two support groups, five communes each: two destinations delivered in parallel. */
const GROUPS = [
  { name: 'Tổ hỗ trợ Kỳ Sơn Bắc', communes: COMMUNES.slice(0, 5).map((c) => c.code) },
  { name: 'Tổ hỗ trợ Kỳ Sơn Nam', communes: COMMUNES.slice(5).map((c) => c.code) },
]
/**
 * One message per commune and change (groupBy commune), sent as soon as decided; and a send
 * deadline far beyond the 10 s a shutdown may take, so only the shutdown can end a held delivery.
 */
const CONFIG = `alerting:
  groupWaitSeconds: 0
  groupIntervalSeconds: 1
  groupBy: [alertname, commune_code]
  sendTimeoutSeconds: 60
metrics:
  cacheSeconds: 0
`

const tmp = tempDir('xanh-alert-term-')
const children: ChildProcess[] = []
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  tmp.cleanup()
})

interface Delivery {
  id: string
  body: string
  verdict: string
  /** Whether the receiver answered it (2xx when the signature checked out). */
  answered: boolean
}

interface Receiver {
  url: string
  deliveries: Delivery[]
  /** While true, requests are read and recorded but not answered until released. */
  hold: boolean
  /** Answers a held delivery now. */
  release(d: Delivery): void
  close(): Promise<void>
}

/** The webhook receiver: checks every signature from the spec; answers 204, or holds the request. */
async function startReceiver(): Promise<Receiver> {
  const sockets = new Set<Socket>()
  const held = new Map<Delivery, ServerResponse>()
  const answer = (d: Delivery, res: ServerResponse): void => {
    d.answered = true
    res.writeHead(d.verdict === 'ok' ? 204 : 401).end()
  }
  const rec: Receiver = {
    url: '',
    deliveries: [],
    hold: false,
    release(d) {
      const res = held.get(d)
      held.delete(d)
      if (res) answer(d, res)
    },
    close: async () => undefined,
  }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const verdict = verifyStandardWebhook(SECRET, req.headers, body, Math.floor(Date.now() / 1000))
      const d: Delivery = { id: String(req.headers['webhook-id']), body, verdict, answered: false }
      rec.deliveries.push(d)
      if (rec.hold) held.set(d, res)
      else answer(d, res)
    })
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  rec.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  rec.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy()
      server.close(() => r())
    })
  return rec
}

/** Messages waiting in the outbox (in flight included), summed over channels, from `/metrics`. */
async function pendingNotifications(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) })).text()
  let sum = 0
  for (const m of text.matchAll(/^xanh_alert_channel_pending_messages\{[^}]*\} (\d+)$/gm)) sum += Number(m[1])
  return sum
}

/** Every outbox row (ids are dense: rows are never deleted), through the repository. */
function outboxRows(store: Store): OutboxRow[] {
  const total = Object.values(store.outbox.counts()).reduce((a, b) => a + b, 0)
  const rows: OutboxRow[] = []
  for (let id = 1; rows.length < total && id <= total * 2; id++) {
    const row = store.outbox.get(id)
    if (row) rows.push(row)
  }
  expect(rows).toHaveLength(total)
  return rows
}

/** Resolves with the exit code, or 'still running' after `ms`. */
function exitWithin(main: Main, ms: number): Promise<number | null | 'still running'> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([main.exited, new Promise<'still running'>((r) => (timer = setTimeout(() => r('still running'), ms)))]).finally(() => clearTimeout(timer))
}

it('SIGTERM with notifications in flight and queued: exits 0 within 10 s, outbox whole, every notification delivered after restart (the one cut short: again, same id; others: once)', async () => {
  const receiver = await startReceiver()
  const dataDir = join(tmp.dir, 'data')
  mkdirSync(dataDir)
  const configFile = join(tmp.dir, 'xanh.yaml')
  writeFileSync(configFile, CONFIG)
  const env = { XANH_CONFIG: configFile }
  const port = await freePort()
  const tokens = prepareInventory(dataDir, COMMUNES, (store) => {
    GROUPS.forEach((g, i) => store.supportGroups.create({ name: g.name, channels: [{ type: 'webhook', url: `${receiver.url}/hook/${i}`, secret: SECRET }], communes: g.communes, clusters: [], escalation: [] }))
  })
  const groupOfCommune = new Map(GROUPS.flatMap((g) => g.communes.map((c) => [c, g.name] as const)))
  const down = new Set<string>()
  // Wave w: targets 10w … 10w+9 of the first agent, one in each commune.
  const wave = (w: number): string[] => (tokens[0]?.targets ?? []).slice(w * COMMUNES.length, (w + 1) * COMMUNES.length)

  let server = await startMain(dataDir, port, children, env)
  const agents: Agent[] = []
  try {
    for (const t of tokens) agents.push(await startAgent(t, port, join(tmp.dir, `spool-${t.id}`), (id) => down.has(id)))

    // Wave 0, receiver answering: one message per commune, delivered and marked sent.
    for (const id of wave(0)) down.add(id)
    await vi.waitFor(
      async () => {
        expect(new Set(receiver.deliveries.map((d) => d.id)).size).toBeGreaterThanOrEqual(COMMUNES.length)
        expect(await pendingNotifications(port)).toBe(0)
      },
      { timeout: 30_000, interval: 100 },
    )

    // Waves 1 and 2, receiver holding: one delivery in flight per channel, the rest queued behind it.
    receiver.hold = true
    for (const id of wave(1)) down.add(id)
    await vi.waitFor(
      async () => {
        expect(receiver.deliveries.filter((d) => !d.answered)).toHaveLength(GROUPS.length)
        expect(await pendingNotifications(port)).toBeGreaterThanOrEqual(COMMUNES.length)
      },
      { timeout: 30_000, interval: 100 },
    )
    for (const id of wave(2)) down.add(id)
    await vi.waitFor(async () => expect(await pendingNotifications(port)).toBeGreaterThanOrEqual(2 * COMMUNES.length), { timeout: 30_000, interval: 100 })

    // SIGTERM under load, with deliveries in flight: one is answered during the shutdown, one never.
    await moreDelivered(agents, 3)
    const [answeredLate, cut] = receiver.deliveries.filter((d) => !d.answered)
    if (!answeredLate || !cut) throw new Error('two deliveries in flight expected')
    const shuttingDown = server.nextLine(/shutting down/, 10_000)
    const termAt = performance.now()
    server.child.kill('SIGTERM')
    await shuttingDown
    receiver.release(answeredLate)
    const code = await exitWithin(server, 20_000)
    const termMs = performance.now() - termAt
    expect(code, server.lines.slice(-20).join('\n')).toBe(0)
    expect(termMs).toBeLessThan(10_000)
    const answered = new Set(receiver.deliveries.filter((d) => d.answered).map((d) => d.id))
    expect(answered.has(answeredLate.id)).toBe(true)
    expect(answered.has(cut.id)).toBe(false)

    // The outbox as SIGTERM left it.
    let before: OutboxRow[]
    {
      const opened = openDatabase(join(dataDir, 'xanh.db'))
      try {
        expect(opened.sqlite.pragma('integrity_check', { simple: true })).toBe('ok')
        const store = new Store(opened.sqlite, opened.db)
        before = outboxRows(store)
        const incidents = store.incidents.list({ state: 'all', limit: 1000 })
        expect(incidents.map((i) => i.targetId).sort()).toEqual([...wave(0), ...wave(1), ...wave(2)].sort())
        for (const inc of incidents) {
          const destination = `${groupOfCommune.get(inc.labels.commune_code ?? '') ?? '?'}#0`
          expect(
            before.some((r) => r.destination === destination && r.incidentIds.includes(inc.id)),
            `incident ${inc.id} (${inc.targetId ?? ''}) has a row for ${destination}`,
          ).toBe(true)
        }
        for (const r of before) {
          expect((JSON.parse(r.message) as { idempotencyKey: string }).idempotencyKey, `row ${r.id} whole`).toBe(r.idempotencyKey)
          expect(r.incidentIds.length, `row ${r.id} names its incidents`).toBeGreaterThan(0)
          expect(['pending', 'sent'], `row ${r.id}: ${r.status} ${r.lastError ?? ''}`).toContain(r.status)
          // Sent exactly when the receiver answered it: nothing held marked sent, nothing answered left behind.
          expect(r.status === 'sent', `row ${r.id} (${r.status})`).toBe(answered.has(webhookId(r.idempotencyKey)))
          expect(r.sentAt !== null).toBe(r.status === 'sent')
        }
        expect(before.find((r) => webhookId(r.idempotencyKey) === answeredLate.id)?.status, 'answered during the grace').toBe('sent')
        expect(before.find((r) => webhookId(r.idempotencyKey) === cut.id)?.status, 'cut short').toBe('pending')
        // Waves 1 and 2 (one message per commune each) wait, but the one answered during the grace.
        expect(before.filter((r) => r.status === 'pending').length).toBeGreaterThanOrEqual(2 * COMMUNES.length - 1)
      } finally {
        opened.sqlite.close()
      }
    }

    // Restart on the same data directory, the receiver answering: the outbox drains.
    receiver.hold = false
    server = await startMain(dataDir, port, children, env)
    await vi.waitFor(
      async () => {
        const got = new Set(receiver.deliveries.filter((d) => d.answered).map((d) => d.id))
        expect(before.filter((r) => !got.has(webhookId(r.idempotencyKey))).map((r) => r.idempotencyKey)).toEqual([])
        expect(await pendingNotifications(port)).toBe(0)
      },
      { timeout: 30_000, interval: 100 },
    )
    await drainAgents(agents)
    server.child.kill('SIGTERM')
    expect(await exitWithin(server, 20_000)).toBe(0)

    const opened = openDatabase(join(dataDir, 'xanh.db'))
    try {
      expect(opened.sqlite.pragma('integrity_check', { simple: true })).toBe('ok')
      const store = new Store(opened.sqlite, opened.db)
      const after = outboxRows(store)
      expect(store.outbox.counts()).toEqual({ pending: 0, sent: after.length, dead: 0, collapsed: 0 })
      expect(receiver.deliveries.filter((d) => d.verdict !== 'ok')).toEqual([])
      // At-least-once, and only where the outbox says so: the delivery cut short at the deadline
      // arrives again with the same id and body; every other notification arrives exactly once.
      const byId = new Map<string, Delivery[]>()
      for (const d of receiver.deliveries) byId.set(d.id, [...(byId.get(d.id) ?? []), d])
      for (const r of after) {
        const id = webhookId(r.idempotencyKey)
        const got = byId.get(id) ?? []
        expect(got.length, `${r.idempotencyKey} deliveries`).toBe(id === cut.id ? 2 : 1)
        expect(new Set(got.map((d) => d.body)).size).toBe(1)
      }
      expect(byId.size).toBe(after.length)
      const produced = expectAllStoredOnce(store, agents)
      console.log(
        `alert shutdown: SIGTERM in ${termMs.toFixed(0)} ms with 2 deliveries in flight (1 answered during the grace, 1 cut short), ${before.filter((r) => r.status === 'pending').length} notifications left pending, ${answered.size} sent; ` +
          `after restart ${after.length} delivered, 1 repeated by id; ${produced.toLocaleString('en')} results stored once`,
      )
    } finally {
      opened.sqlite.close()
    }
  } finally {
    for (const a of agents) clearInterval(a.feed)
    await Promise.all(agents.map((a) => a.shipper.stop({ drainTimeoutMs: 0 })))
    await receiver.close()
  }
}, 180_000)
