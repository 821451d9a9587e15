/**
 * Builds a real server runtime over a real SQLite file in a temp folder, for route tests
 * (`app.request()`, no port) and for tests that listen on 127.0.0.1:0.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import pino from 'pino'
import { hashPassword } from '../../server/auth'
import { loadServerConfig, type ServerConfig } from '../../server/config'
import type { HeapMode } from '../../server/heap-policy'
import { createServerRuntime, type ServerRuntime } from '../../server/runtime'
import { openDatabase, type OpenedDb } from '../../server/store/db'
import type { CheckResult, CommuneInput, ResultBatch, TargetInput } from '../../protocol'
import type { LoopUtilization } from '../../server/loop-pressure'

export interface TestServer {
  runtime: ServerRuntime
  opened: OpenedDb
  config: ServerConfig
  dir: string
  /** Token of a probe created for the test. */
  token: string
  probeId: string
  clock: { now: number }
  /**
   * HTTP Basic headers of a user with this role (created on first use: `viewer`, `operator`,
   * `admin`, each with a 12+ character password), for `app.request()` and fetch.
   */
  as(role: 'viewer' | 'operator' | 'admin'): { authorization: string }
  close(): void
}

/** The password of the users {@link TestServer.as} creates. */
export const TEST_PASSWORD = 'mat-khau-thu-nghiem-12'

/** A runtime with a manual clock, one probe, and the given inventory. */
/** An event loop that never looks busy: tests that are not about load shedding are never shed. */
export const IDLE_LOOP: LoopUtilization = () => ({ utilization: 0, window: 0 })

export function makeTestServer(
  opts: { communes?: CommuneInput[]; targets?: TargetInput[]; env?: Record<string, string>; realTime?: boolean; configYaml?: string; loopUtilization?: LoopUtilization; heapMode?: () => HeapMode } = {},
): TestServer {
  const dir = mkdtempSync(join(tmpdir(), 'xanh-test-'))
  const opened = openDatabase(join(dir, 'xanh.db'))
  const config = loadServerConfig({ XANH_DATA_DIR: dir, ...(opts.env ?? {}) }, opts.configYaml)
  // realTime: a server whose clock is the wall clock, for tests with real agents and sockets.
  const clock: { now: number } = opts.realTime
    ? {
        get now() {
          return Date.now()
        },
        set now(_v: number) {
          throw new Error('a realTime test server has no manual clock')
        },
      }
    : { now: Date.parse('2026-11-24T03:00:00Z') }
  // The event loop here is the test runner's too (its own synchronous work would read as the
  // server's load): ingest's loop back-pressure sees an idle loop unless a test brings its own.
  const runtime = createServerRuntime({ config, log: pino({ level: 'silent' }), opened, now: () => clock.now, loopUtilization: opts.loopUtilization ?? IDLE_LOOP, ...(opts.heapMode ? { heapMode: opts.heapMode } : {}) })
  for (const c of opts.communes ?? []) runtime.store.upsertCommune(c)
  const { probe, token } = runtime.store.createProbe('test-probe', 'test')
  for (const t of opts.targets ?? []) runtime.store.upsertTarget({ ...t, probeId: t.probeId ?? probe.id })
  runtime.reloadInventory()
  return {
    runtime,
    opened,
    config,
    dir,
    token,
    probeId: probe.id,
    clock,
    as(role) {
      const username = `test-${role}`
      if (!runtime.store.users.get(username)) runtime.store.users.create({ username, displayName: `Người thử (${role})`, role, passwordHash: hashPassword(TEST_PASSWORD) }, Date.now())
      return { authorization: `Basic ${Buffer.from(`${username}:${TEST_PASSWORD}`).toString('base64')}` }
    },
    close() {
      void runtime.close()
      opened.sqlite.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export const commune = (code: string, over: Partial<CommuneInput> = {}): CommuneInput => ({
  code,
  name: `Xã ${code}`,
  kind: 'xa',
  districtCluster: 'Cụm A',
  lat: 19,
  lon: 105,
  contractedMbps: 100,
  priority: 0,
  notes: '',
  ...over,
})

export const udpTarget = (id: string, communeCode: string, role: TargetInput['role'] = 'line', over: Partial<TargetInput> = {}): TargetInput => ({
  id,
  communeCode,
  kind: 'udp_echo',
  host: '127.0.0.1',
  port: 8620,
  role,
  intervalSeconds: 15,
  timeoutSeconds: 5,
  parents: [],
  options: {},
  probeId: null,
  enabled: true,
  ...over,
})

/** A result with sensible packet measurements; override anything. */
export function result(targetId: string, observedAtMs: number, over: Partial<CheckResult> & { m?: Record<string, number> } = {}): CheckResult {
  const { m, ...rest } = over
  return {
    id: randomUUID(),
    targetId,
    kind: 'udp_echo',
    observedAt: new Date(observedAtMs).toISOString(),
    durationSeconds: 2.5,
    ok: true,
    measurements: { rtt_median_seconds: 0.01, rtt_min_seconds: 0.008, rtt_max_seconds: 0.02, sent: 50, received: 50, loss_ratio: 0, jitter_seconds: 0.001, ...(m ?? {}) },
    ...rest,
  }
}

export function batch(probeId: string, results: CheckResult[]): ResultBatch {
  return { protocolVersion: 1, probeId, sentAt: new Date().toISOString(), results }
}
