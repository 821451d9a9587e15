/**
 * Alerts from Prometheus and other Alertmanager clients (`POST /api/v2/alerts`), taken as
 * Alertmanager takes them (prometheus/alertmanager api/v2/api.go postAlertsHandler): missing or
 * zero times get defaults, empty label values are dropped, each alert is checked on its own, the
 * valid ones are stored even when others are not. A stored alert opens or refreshes an incident
 * routed like Xanh's own; its commune's name and cluster come from the inventory. An alert whose
 * `endsAt` has passed, or that is not re-sent before it, resolves its incident.
 * @module
 */
import { EXTERNAL_ALERT_LIMITS, ExternalAlert, Severity, zodIssues, type ErrorIssue } from '../../protocol'
import { labelsFingerprint } from './alerts'
import type { IncidentChanges, IncidentStore } from './incidents'

/**
 * Go's zero `time.Time` in JSON. amtool and relays send it for "no end" (Alertmanager's own
 * webhooks show a firing alert's endsAt so, alert/alert.go Alerts()); `IsZero()` makes it unset.
 */
const GO_ZERO_TIME_MS = Date.parse('0001-01-01T00:00:00Z')

/** What the external alert input needs from the alerting service. */
export interface ExternalAlertsDeps {
  /** The incidents, and the transaction a request's alerts are stored in. */
  incidents: IncidentStore
  /** Name and cluster of an inventory commune, by code; undefined for an unknown code. */
  commune: (code: string) => { name: string; cluster: string } | undefined
  now: () => number
  /** Alertmanager's `resolve_timeout`: an alert sent without `endsAt` ends this long after it was sent. */
  resolveTimeoutMs: number
}

/** What one request did. Issue paths start with the alert's index in the body (`3.labels`). */
export interface ExternalReceipt {
  accepted: number
  rejected: number
  issues: ErrorIssue[]
}

/** An alert that passed the checks, with Alertmanager's defaults applied. */
interface CheckedAlert {
  /** The sender's labels without empty values: the alert's identity. */
  labels: Record<string, string>
  annotations: Record<string, string>
  startsAt: number
  endsAt: number
  generatorUrl: string | undefined
}

/** Milliseconds of a sent time; undefined when absent or Go's zero time (Alertmanager: `IsZero()`). */
function timeOf(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined
  const ms = Date.parse(iso)
  return ms === GO_ZERO_TIME_MS ? undefined : ms
}

/** Cuts a long annotation value without leaving half of a surrogate pair behind. */
function cut(value: string, max: number): string {
  if (value.length <= max) return value
  let end = max - 1
  if (/[\uD800-\uDBFF]/.test(value.charAt(end - 1))) end--
  return `${value.slice(0, end)}…`
}

/**
 * The link kept for an alert: an absolute http(s) URL within the limit. Anything else is dropped
 * (a cut URL would open a different query, and the dashboard must not render `javascript:`).
 */
function linkOf(url: string | undefined): string | undefined {
  if (url === undefined || url.length > EXTERNAL_ALERT_LIMITS.generatorUrlChars) return undefined
  try {
    const { protocol } = new URL(url)
    return protocol === 'http:' || protocol === 'https:' ? url : undefined
  } catch {
    return undefined
  }
}

/**
 * Builds the external alert input over the incident store: `receive` takes one request's
 * alerts, `expire` (called from each alerting tick, inside its transaction) resolves the
 * incidents whose alerts ended.
 */
export function createExternalAlerts(deps: ExternalAlertsDeps) {
  const { incidents, now } = deps
  /** When each open external incident ends unless re-sent, by incident key. Kept in memory, as Alertmanager keeps alerts. */
  const ends = new Map<string, number>()
  const startedAt = now()

  /** Alertmanager's defaults and `Validate` (alert/alert.go) on one parsed alert. */
  function check(a: ExternalAlert, at: number, index: number): CheckedAlert | ErrorIssue[] {
    const labels = Object.fromEntries(Object.entries(a.labels).filter(([, v]) => v !== '')) // removeEmptyLabels
    const sentEnd = timeOf(a.endsAt)
    const startsAt = timeOf(a.startsAt) ?? sentEnd ?? at
    const endsAt = sentEnd ?? at + deps.resolveTimeoutMs
    const issues: ErrorIssue[] = []
    if (endsAt < startsAt) issues.push({ path: `${index}.endsAt`, message: 'start time must be before end time' })
    if (Object.keys(labels).length === 0) issues.push({ path: `${index}.labels`, message: 'at least one label pair required' })
    if (issues.length > 0) return issues
    const annotations = Object.fromEntries(Object.entries(a.annotations).map(([k, v]) => [k, cut(v, EXTERNAL_ALERT_LIMITS.annotationValueChars)]))
    return { labels, annotations, startsAt, endsAt, generatorUrl: linkOf(a.generatorURL) }
  }

  /**
   * The labels an incident carries: the sender's, with `commune` (the Vietnamese name) and
   * `cluster` from the inventory when `commune_code` (or, without it, `commune`) is a known code, so
   * routing by cluster and the dashboard work for Prometheus rules that only know the code. A
   * sender's different value is kept as `exported_<name>`, as Prometheus keeps a clashing
   * scraped label (prometheus/prometheus scrape/scrape.go mutateSampleLabels, honor_labels: false).
   */
  function enrich(sent: Record<string, string>): { labels: Record<string, string>; communeCode: string | null } {
    const labels = { ...sent }
    const code = sent.commune_code ?? sent.commune
    const commune = code === undefined ? undefined : deps.commune(code)
    if (code === undefined || commune === undefined) return { labels, communeCode: sent.commune_code ?? null }
    labels.commune_code = code
    for (const [name, value] of [['commune', commune.name], ['cluster', commune.cluster]] as const) {
      const own = sent[name]
      if (own !== undefined && own !== value && own !== code) labels[`exported_${name}`] = own
      labels[name] = value
    }
    return { labels, communeCode: code }
  }

  /** Opens, refreshes or resolves the incident of one checked alert. */
  function apply(a: CheckedAlert, at: number, active: ReturnType<IncidentStore['active']>): void {
    const key = `ext:${labelsFingerprint(a.labels)}`
    const existing = active.get(key)
    if (a.endsAt <= at) {
      if (existing) {
        incidents.resolve(existing.id, 'resolved by the sender')
        active.delete(key)
      }
      ends.delete(key)
      return
    }
    ends.set(key, a.endsAt)
    if (existing) return
    const { labels, communeCode } = enrich(a.labels)
    const annotations = a.generatorUrl === undefined ? a.annotations : { ...a.annotations, generator_url: a.generatorUrl }
    const severity = Severity.safeParse(labels.severity)
    const row = incidents.open(
      {
        fingerprint: key,
        alertname: labels.alertname ?? 'external',
        severity: severity.success ? severity.data : 'warning',
        targetId: null,
        communeCode,
        labels,
        annotations,
        affectedCommunes: 0,
        flapping: false,
        startsAt: a.startsAt,
      },
      (annotations.summary ?? annotations.description ?? labels.alertname ?? 'external alert').slice(0, 500),
    )
    // The same alert twice in one batch refreshes the incident just opened.
    active.set(key, row)
  }

  /**
   * Takes the elements of one request body. Each is checked on its own; the valid ones are
   * stored in one transaction and the others reported (the route answers 400 with them, as
   * Alertmanager does after storing the valid ones). Alertmanager refuses the whole request when
   * one element is malformed (a bad timestamp fails its go-swagger binding, 422); Xanh refuses
   * only that element, so one broken relay row does not lose the other alerts of the batch.
   */
  function receive(items: readonly unknown[]): ExternalReceipt {
    const at = now()
    const issues: ErrorIssue[] = []
    const valid: CheckedAlert[] = []
    items.forEach((item, index) => {
      const parsed = ExternalAlert.safeParse(item)
      const checked = parsed.success ? check(parsed.data, at, index) : zodIssues(parsed.error, String(index))
      if (Array.isArray(checked)) issues.push(...checked)
      else valid.push(checked)
    })
    if (valid.length > 0) {
      incidents.transaction(() => {
        const active = incidents.active()
        for (const a of valid) apply(a, at, active)
      })
    }
    return { accepted: valid.length, rejected: items.length - valid.length, issues }
  }

  /**
   * Resolves external incidents whose end passed. One without a known end (opened before a
   * restart: the ends live in memory) gets a resolve timeout from the later of its opening and
   * this start, so a restart does not resolve what the sender is still re-sending.
   */
  function expire(changes: IncidentChanges): void {
    for (const [key, row] of incidents.active()) {
      if (!key.startsWith('ext:')) continue
      const end = ends.get(key) ?? Math.max(row.openedAt, startedAt) + deps.resolveTimeoutMs
      if (end <= now()) {
        incidents.resolve(row.id, 'alert ended (endsAt passed or not re-sent)')
        ends.delete(key)
        changes.resolved.push(row)
      }
    }
  }

  return { receive, expire }
}

/** The external alert input of one alerting service. */
export type ExternalAlerts = ReturnType<typeof createExternalAlerts>
