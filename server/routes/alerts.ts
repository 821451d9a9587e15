import { timingSafeEqual } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { Hono, type Context, type Next } from 'hono'
import { z } from 'zod'
import { AckInput, ExternalAlertBatch, SupportGroupInput, type ChannelConfig } from '../../protocol'
import type { AppDeps, AppEnv } from '../app'
import { requireRole } from '../auth'
import { readJsonBody } from '../body'
import { AppError } from '../errors'
import { validateChannel } from '../alerting/notifiers/index'
import { supportGroups, type SupportGroupRow } from '../store/schema'

const LIMITS = { maxBodyBytes: 4 * 1024 * 1024, maxDecompressedBytes: 16 * 1024 * 1024 }
const ListQuery = z.strictObject({
  state: z.enum(['open', 'all']).default('open'),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
})

/** Channel fields that are secrets: shown as "***" by the API. */
const SECRET_FIELDS = ['token', 'botToken', 'password', 'secret'] as const

function redact(channel: ChannelConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...channel }
  for (const f of SECRET_FIELDS) if (f in out) out[f] = '***'
  if (channel.type === 'slack' || channel.type === 'webhook') out.url = channel.url.replace(/\/[^/]{12,}$/, '/***')
  return out
}

function groupView(row: SupportGroupRow) {
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
    const groupNames = new Set(store.db.select({ name: supportGroups.name }).from(supportGroups).all().map((g) => g.name))
    groupNames.add(input.name)
    input.escalation.forEach((s, i) => {
      if (!groupNames.has(s.group)) issues.push({ path: `escalation.${i}.group`, message: `no support group named ${s.group}` })
    })
    const first = issues[0]
    if (first) throw new AppError('E_VALIDATION', `${first.path}: ${first.message}`, issues)
  }
  const rowValues = (g: z.infer<typeof SupportGroupInput>) => ({
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
  const changed = (c: Context<AppEnv>, action: string, id: string): void => {
    store.audit(c.get('actor'), action, 'group', id)
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
    .get('/groups', admin, (c) => c.json({ groups: store.db.select().from(supportGroups).all().map(groupView) }))
    .post('/groups', admin, async (c) => {
      const input = await parse(c, SupportGroupInput)
      checkChannels(input)
      if (store.db.select().from(supportGroups).where(eq(supportGroups.name, input.name)).get()) {
        throw new AppError('E_CONFLICT', `a support group named ${input.name} exists`, [{ path: 'name', message: 'already exists' }])
      }
      const row = store.db.insert(supportGroups).values(rowValues(input)).returning().get()
      changed(c, 'create', String(row.id))
      return c.json(groupView(row), 201)
    })
    .put('/groups/:id{[0-9]+}', admin, async (c) => {
      const id = Number(c.req.param('id'))
      const input = await parse(c, SupportGroupInput)
      checkChannels(input)
      const row = store.db.update(supportGroups).set(rowValues(input)).where(eq(supportGroups.id, id)).returning().get()
      if (!row) throw new AppError('E_NOT_FOUND', `no support group ${id}`)
      changed(c, 'update', String(id))
      return c.json(groupView(row))
    })
    .delete('/groups/:id{[0-9]+}', admin, (c) => {
      const id = Number(c.req.param('id'))
      if (store.db.delete(supportGroups).where(eq(supportGroups.id, id)).run().changes === 0) throw new AppError('E_NOT_FOUND', `no support group ${id}`)
      changed(c, 'delete', String(id))
      return c.body(null, 204)
    })
    .post('/groups/:id{[0-9]+}/test', admin, (c) => {
      const id = Number(c.req.param('id'))
      const row = store.db.select().from(supportGroups).where(eq(supportGroups.id, id)).get()
      if (!row) throw new AppError('E_NOT_FOUND', `no support group ${id}`)
      alerting.sendTest(row.name)
      store.audit(c.get('actor'), 'test-message', 'group', String(id))
      return c.json({ queued: (row.channels as unknown[]).length }, 202)
    })

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
    const batch = await parse(c, ExternalAlertBatch)
    const r = alerting.receiveExternal(batch)
    return c.json(r, 200)
  })
  return { v1, v2 }
}
