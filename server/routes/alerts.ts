import { timingSafeEqual } from 'node:crypto'
import { Hono, type Context, type Next } from 'hono'
import { z } from 'zod'
import { AckInput, ExternalAlertBatch, SupportGroupInput, ZaloBotChatsInput, type ChannelConfig, type ChannelHealth, type GroupTestAnswer } from '../../protocol'
import type { AppDeps, AppEnv } from '../app'
import { requireRole } from '../auth'
import { readJsonBody } from '../body'
import { AppError } from '../errors'
import { NotifierError } from '../alerting/notifier'
import { validateChannel } from '../alerting/notifiers/index'
import { listZaloBotChats } from '../alerting/notifiers/zalo'
import type { SupportGroupRow, SupportGroupValues } from '../store/types'

const LIMITS = { maxBodyBytes: 4 * 1024 * 1024, maxDecompressedBytes: 16 * 1024 * 1024 }
const ListQuery = z.strictObject({
  state: z.enum(['open', 'all']).default('open'),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
})

/** Channel fields that are secrets: shown as "***" by the API. */
const SECRET_FIELDS = ['token', 'botToken', 'password', 'secret', 'secretKey', 'refreshToken'] as const

function redact(channel: ChannelConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...channel }
  for (const f of SECRET_FIELDS) if (f in out) out[f] = '***'
  if (channel.type === 'slack' || channel.type === 'webhook') out.url = channel.url.replace(/\/[^/]{12,}$/, '/***')
  return out
}

function groupView(row: SupportGroupRow, health: ChannelHealth[]) {
  return {
    id: row.id,
    name: row.name,
    channels: (row.channels as ChannelConfig[]).map(redact),
    communes: row.communes,
    clusters: row.clusters,
    roles: row.roles,
    minSeverity: row.minSeverity,
    language: row.language,
    sendResolved: row.sendResolved,
    escalation: row.escalation,
    /** Delivery health per channel, in channel order. */
    health,
  }
}

async function parse<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const r = schema.safeParse(await readJsonBody(c, LIMITS))
  if (!r.success) throw AppError.fromZod(r.error)
  return r.data
}

/** Incidents (list, detail, ack), support groups (CRUD, test message) and the Alertmanager-compatible input. */
export function alertRoutes(deps: AppDeps): { v1: Hono<AppEnv>; v2: Hono<AppEnv> } {
  const { store, alerting } = deps
  const operator = requireRole(store, 'operator', deps.now)
  const admin = requireRole(store, 'admin', deps.now)

  const checkChannels = (input: z.infer<typeof SupportGroupInput>): void => {
    const issues = input.channels.flatMap((ch, i) => {
      const problem = validateChannel(ch)
      return problem ? [{ path: `channels.${i}`, message: problem }] : []
    })
    const groupNames = new Set(store.supportGroups.list().map((g) => g.name))
    groupNames.add(input.name)
    input.escalation.forEach((s, i) => {
      if (!groupNames.has(s.group)) issues.push({ path: `escalation.${i}.group`, message: `no support group named ${s.group}` })
    })
    const first = issues[0]
    if (first) throw new AppError('E_VALIDATION', `${first.path}: ${first.message}`, issues)
  }
  const rowValues = (g: z.infer<typeof SupportGroupInput>): SupportGroupValues => ({
    name: g.name,
    channels: g.channels as unknown[],
    communes: g.communes,
    clusters: g.clusters,
    roles: g.roles,
    minSeverity: g.minSeverity,
    language: g.language,
    sendResolved: g.sendResolved,
    escalation: g.escalation as unknown[],
  })
  const changed = (c: Context<AppEnv>, action: string, id: string, change?: { before?: unknown; after?: unknown }): void => {
    // Channel secrets stay out of the audit log: it records the redacted view.
    store.audit(c.get('actor'), action, 'group', id, undefined, change)
    deps.onInventoryChanged()
    alerting.reload()
  }

  const v1 = new Hono<AppEnv>()
    .get('/alerts', (c) => {
      const q = ListQuery.safeParse(c.req.query())
      if (!q.success) throw AppError.fromZod(q.error)
      return c.json({ incidents: alerting.list(q.data.state, q.data.limit) })
    })
    .get('/alerts/:id{[0-9]+}', (c) => c.json(alerting.get(Number(c.req.param('id')))))
    .post('/alerts/:id{[0-9]+}/ack', operator, async (c) => {
      const input = await parse(c, AckInput)
      const view = alerting.ack(Number(c.req.param('id')), c.get('actor'), input.comment)
      store.audit(c.get('actor'), 'ack', 'incident', String(view.id), { comment: input.comment })
      return c.json(view)
    })
    .get('/groups', admin, (c) => c.json({ groups: store.supportGroups.list().map((r) => groupView(r, alerting.channelHealth(r.id))) }))
    .post('/groups', admin, async (c) => {
      const input = await parse(c, SupportGroupInput)
      checkChannels(input)
      if (store.supportGroups.getByName(input.name)) {
        throw new AppError('E_CONFLICT', `a support group named ${input.name} exists`, [{ path: 'name', message: 'already exists' }])
      }
      const row = store.supportGroups.create(rowValues(input))
      changed(c, 'create', String(row.id), { after: groupView(row, []) })
      return c.json(groupView(row, alerting.channelHealth(row.id)), 201)
    })
    .put('/groups/:id{[0-9]+}', admin, async (c) => {
      const id = Number(c.req.param('id'))
      const input = await parse(c, SupportGroupInput)
      checkChannels(input)
      const prev = store.supportGroups.get(id)
      const row = store.supportGroups.update(id, rowValues(input))
      if (!row) throw new AppError('E_NOT_FOUND', `no support group ${id}`)
      changed(c, 'update', String(id), { before: prev ? groupView(prev, []) : undefined, after: groupView(row, []) })
      return c.json(groupView(row, alerting.channelHealth(id)))
    })
    .delete('/groups/:id{[0-9]+}', admin, (c) => {
      const id = Number(c.req.param('id'))
      const prev = store.supportGroups.delete(id)
      if (!prev) throw new AppError('E_NOT_FOUND', `no support group ${id}`)
      changed(c, 'delete', String(id), { before: groupView(prev, []) })
      return c.body(null, 204)
    })
    .post('/groups/:id{[0-9]+}/test', admin, async (c) => {
      const id = Number(c.req.param('id'))
      const results = await alerting.testGroup(id)
      store.audit(c.get('actor'), 'test-message', 'group', String(id), { results: results.map((r) => ({ index: r.index, ok: r.ok, error: r.error })) })
      const body: GroupTestAnswer = { results }
      return c.json(body)
    })
    .post('/groups/:id{[0-9]+}/channels/:index{[0-9]+}/enable', admin, (c) => {
      const id = Number(c.req.param('id'))
      const index = Number(c.req.param('index'))
      const row = store.supportGroups.get(id)
      if (!row || index >= (row.channels as unknown[]).length) throw new AppError('E_NOT_FOUND', `no channel ${index} in support group ${id}`)
      const was = alerting.enableChannel(id, index)
      store.audit(c.get('actor'), 'channel-enable', 'group', String(id), { channel: index, wasDisabled: was })
      return c.json({ health: alerting.channelHealth(id)[index] })
    })
    // Finding a Zalo bot's chat id: the chats that recently wrote to the bot (getUpdates).
    .post('/channels/zalo/chats', admin, async (c) => {
      const input = await parse(c, ZaloBotChatsInput)
      const answer = await listZaloBotChats(input, { signal: AbortSignal.timeout(deps.config.alerting.sendTimeoutSeconds * 1000 * 3), fetch, log: deps.log, now: deps.now ?? Date.now }).catch((e: unknown) => {
        if (e instanceof NotifierError) throw new AppError('E_UPSTREAM', e.message)
        throw e
      })
      return c.json(answer)
    })

  // Prometheus posts up to 256 alerts at once (--alertmanager.notification-batch-size), each with
  // a generatorURL of up to 32 KiB kept: the v1 limit would refuse such a batch whole.
  const V2_LIMITS = { maxBodyBytes: 16 * 1024 * 1024, maxDecompressedBytes: 16 * 1024 * 1024 }
  // Prometheus/Alertmanager clients send a bearer token; admins may use Basic.
  const alertsAuth = async (c: Context<AppEnv>, next: Next): Promise<Response | void> => {
    const token = deps.config.alerting.alertsToken
    const header = c.req.header('authorization') ?? ''
    const m = /^Bearer\s+(\S+)$/i.exec(header)
    if (m?.[1] && token) {
      const a = Buffer.from(m[1])
      const b = Buffer.from(token)
      if (a.length === b.length && timingSafeEqual(a, b)) {
        c.set('actor', 'alertmanager-api')
        return next()
      }
      throw new AppError('E_UNAUTHORIZED', 'wrong alerts token')
    }
    return admin(c, next)
  }
  const v2 = new Hono<AppEnv>().post('/alerts', alertsAuth, async (c) => {
    // A body that is not an array of alerts is refused whole; its elements are checked one by one.
    const body = ExternalAlertBatch.safeParse(await readJsonBody(c, V2_LIMITS))
    if (!body.success) throw AppError.fromZod(body.error)
    const receipt = alerting.receiveExternal(body.data)
    const first = receipt.issues[0]
    if (!first) return c.json({ accepted: receipt.accepted }, 200)
    // As Alertmanager (prometheus/alertmanager api/v2/api.go postAlertsHandler): the valid alerts
    // are stored, and the answer is 400 with what was wrong with the others.
    const message = `${receipt.rejected} of ${body.data.length} alerts invalid (${receipt.accepted} stored); ${first.path}: ${first.message}`
    return c.json(new AppError('E_VALIDATION', message, receipt.issues).toBody(), 400)
  })
  return { v1, v2 }
}
