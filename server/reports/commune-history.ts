/**
 * The overview's history columns (`GET /api/v1/overview/history`): every commune's last
 * 24 hours as a state strip and its availability over 24 hours and 30 days. Availability is the
 * SLA report's own integration ({@link integrateCommunes}) over other periods, so the overview
 * and the monthly report can never disagree on what counts.
 *
 * Cost (bench/overview-history.ts, 3,321 communes, 920,000 state-log rows over 30 days): a local
 * day is read and integrated in about 130 ms, so whole past days are integrated once and kept, and
 * each rebuild (at most once a minute) reads only the last 24 hours. The build yields to the event
 * loop between days and stages: a first build after a restart takes seconds of CPU at national
 * size, and ingest must not wait behind it.
 * @module
 */
import { buildStrip, type CommuneHistory, type SlaMinutes, type State } from '../../protocol'
import { listMaintenance } from '../alerting/maintenance'
import { fromLocal, toLocal } from '../local-time'
import type { Store } from '../store/store'
import { availabilityOf, integrateCommunes, readCommuneStateLog, type CommuneStateLog } from './sla'

const DAY_MS = 86_400_000

/** Lets queued I/O (ingest, other requests) run between slices of a long build. */
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Buckets of the 24-hour strip: 15 minutes each. */
export const STRIP_BUCKETS = 96

/** How long a built history is served before it is built again. */
export const HISTORY_TTL_MS = 60_000

/** Days of the long availability figure: today and the 29 local days before it. */
export const LONG_DAYS = 30

/** Start (an instant) of the local (Asia/Ho_Chi_Minh) day that holds `ms`. */
export function localDayStart(ms: number): number {
  const local = toLocal(ms)
  return fromLocal(local - (((local % DAY_MS) + DAY_MS) % DAY_MS))
}

/** The part [from, to) of a state log read over a wider period. */
export function sliceStateLog(log: CommuneStateLog, from: number, to: number): CommuneStateLog {
  const before = new Map(log.before)
  const changes = new Map<string, Array<{ at: number; state: State }>>()
  for (const [code, list] of log.changes) {
    const inside: Array<{ at: number; state: State }> = []
    for (const c of list) {
      if (c.at < from) before.set(code, c.state)
      else if (c.at < to) inside.push(c)
    }
    if (inside.length > 0) changes.set(code, inside)
  }
  return { before, changes, firstLogged: log.firstLogged }
}

const addInto = (into: SlaMinutes, m: SlaMinutes): void => {
  into.up += m.up
  into.down += m.down
  into.unknown += m.unknown
  into.maintenance += m.maintenance
}

/**
 * Builds histories, keeping the integrals of whole past days. A day's integral is final once the
 * day is over (the state log only grows at the present), unless maintenance windows change:
 * then every kept day is dropped.
 */
export function createCommuneHistory(store: Store): (now: number) => Promise<Omit<CommuneHistory, 'silentProbes'>> {
  const days = new Map<number, Map<string, SlaMinutes>>()
  let maintenanceKey = ''

  async function keepPastDays(today: number): Promise<void> {
    const key = JSON.stringify(listMaintenance(store))
    if (key !== maintenanceKey) {
      days.clear()
      maintenanceKey = key
    }
    const first = fromLocal(toLocal(today) - (LONG_DAYS - 1) * DAY_MS)
    for (const d of days.keys()) if (d < first) days.delete(d)
    const missing: number[] = []
    for (let d = first; d < today; d = fromLocal(toLocal(d) + DAY_MS)) if (!days.has(d)) missing.push(d)
    if (missing.length === 0) return
    // A day at a time (indexed seeks per commune), yielding in between: a month in one go held
    // the event loop for seconds.
    for (const d of missing) {
      const end = fromLocal(toLocal(d) + DAY_MS)
      const integral = integrateCommunes(store, d, end, readCommuneStateLog(store, d, end))
      days.set(d, new Map([...integral].map(([code, v]) => [code, v.minutes])))
      await yieldToLoop()
    }
  }

  return async (now) => {
    const today = localDayStart(now)
    await keepPastDays(today)
    const dayFrom = now - DAY_MS
    const dayLog = readCommuneStateLog(store, dayFrom, now)
    await yieldToLoop()
    const day = integrateCommunes(store, dayFrom, now, dayLog)
    await yieldToLoop()
    const todayPart = integrateCommunes(store, today, now, sliceStateLog(dayLog, today, now))
    return {
      from: new Date(dayFrom).toISOString(),
      to: new Date(now).toISOString(),
      bucketSeconds: DAY_MS / STRIP_BUCKETS / 1000,
      communes: store.listCommunes().map((c) => {
        const d = day.get(c.code)
        const long: SlaMinutes = { up: 0, down: 0, unknown: 0, maintenance: 0 }
        for (const kept of days.values()) {
          const m = kept.get(c.code)
          if (m) addInto(long, m)
        }
        const t = todayPart.get(c.code)
        if (t) addInto(long, t.minutes)
        return {
          code: c.code,
          strip: buildStrip({
            from: dayFrom,
            to: now,
            buckets: STRIP_BUCKETS,
            before: dayLog.before.get(c.code) ?? null,
            changes: dayLog.changes.get(c.code) ?? [],
            monitoredFrom: dayLog.firstLogged.get(c.code) ?? null,
          }),
          availability24h: d ? availabilityOf(d.minutes) : null,
          availability30d: availabilityOf(long),
        }
      }),
    }
  }
}

/**
 * A history kept for {@link HISTORY_TTL_MS}: every open dashboard asks once a minute, and a
 * province's worth of integration is not worth doing per request. Requests that arrive while a
 * build runs share it.
 */
export function cachedCommuneHistory(store: Store, now: () => number): () => Promise<Omit<CommuneHistory, 'silentProbes'>> {
  const build = createCommuneHistory(store)
  let built: { at: number; body: Omit<CommuneHistory, 'silentProbes'> } | null = null
  let running: Promise<Omit<CommuneHistory, 'silentProbes'>> | null = null
  return () => {
    const at = now()
    // A clock that went backwards (tests, a corrected server clock) rebuilds too.
    if (built && at - built.at < HISTORY_TTL_MS && at >= built.at) return Promise.resolve(built.body)
    running ??= build(at)
      .then((body) => {
        built = { at, body }
        return body
      })
      .finally(() => {
        running = null
      })
    return running
  }
}
