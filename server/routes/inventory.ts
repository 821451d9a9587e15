import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { CommuneInput, CommunePatch, CoverageGapInput, ProbeInput, TargetInput, probeContact, type ProbeCreated } from '../../protocol'
import type { AppDeps, AppEnv } from '../app'
import { requireRole } from '../auth'
import { readJsonBody, readTextBody } from '../body'
import { AppError } from '../errors'
import { exportInventory } from '../inventory/export'
import { importInventory } from '../inventory/import'
import { codedZodIssues } from '../inventory/issues'
import { probeSilenceMs, shortestIntervals } from '../state/silent-probes'

const InventoryKind = z.enum(['communes', 'targets', 'gaps'])
const Format = z.enum(['csv', 'yaml'])
/** `?graceSeconds=N` of a rotation: how long the old token keeps working (default `probes.rotationGraceSeconds`). */
const RotateQuery = z.strictObject({ graceSeconds: z.coerce.number().int().min(0).max(30 * 86400).optional() })

/** Inventory CRUD, imports and exports (admin). Every write is audited and reloads the engine. */
export function inventoryRoutes(deps: AppDeps): Hono<AppEnv> {
  const { store } = deps
  const now = deps.now ?? Date.now
  const admin = requireRole(store, 'admin', deps.now)
  const limits = { maxBodyBytes: 16 * 1024 * 1024, maxDecompressedBytes: 64 * 1024 * 1024 }

  async function parsed<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
    const body = await readJsonBody(c, limits)
    const r = schema.safeParse(body)
    if (r.success) return r.data
    // As AppError.fromZod, with each issue's kind and values for the Settings forms' wording.
    const issues = codedZodIssues(r.error)
    const first = issues[0]
    throw new AppError('E_VALIDATION', first ? `${first.path}: ${first.message}` : 'invalid input', issues)
  }
  function changed(c: Context<AppEnv>, action: string, entity: string, id: string | null, detail?: unknown, change?: { before?: unknown; after?: unknown }): void {
    store.audit(c.get('actor'), action, entity, id, detail, change)
    deps.onInventoryChanged()
  }
  function kindParam(c: Context): z.infer<typeof InventoryKind> {
    const r = InventoryKind.safeParse(c.req.param('kind'))
    if (!r.success) throw new AppError('E_NOT_FOUND', `no inventory kind ${c.req.param('kind')}`)
    return r.data
  }
  function formatOf(c: Context): z.infer<typeof Format> {
    const q = c.req.query('format')
    if (q !== undefined) {
      const r = Format.safeParse(q)
      if (!r.success) throw new AppError('E_VALIDATION', 'format must be csv or yaml', [{ path: 'format', message: 'csv or yaml' }])
      return r.data
    }
    return /yaml/i.test(c.req.header('content-type') ?? '') ? 'yaml' : 'csv'
  }

  return (
    new Hono<AppEnv>()
      // ---- import / export (before /:code so "import" is not a commune code) ----
      .post('/:kind{communes|targets|gaps}/import', admin, async (c) => {
        const kind = kindParam(c)
        const text = await readTextBody(c, limits)
        const format = formatOf(c)
        // ?dryRun=1 checks the whole file and counts what would change, writing nothing. The
        // check itself succeeded either way, so a file with bad rows is a 200 with every issue
        // (`valid: false`), not an error: the dashboard previews it without an HTTP failure.
        if (/^(1|true)$/.test(c.req.query('dryRun') ?? '')) {
          try {
            return c.json({ valid: true, ...importInventory(store, text, { kind, format, actor: c.get('actor'), dryRun: true }) })
          } catch (e) {
            if (e instanceof AppError && e.code === 'E_IMPORT_INVALID') return c.json({ valid: false, kind, message: e.message, issues: e.issues ?? [] })
            throw e
          }
        }
        const report = importInventory(store, text, { kind, format, actor: c.get('actor') })
        deps.onInventoryChanged()
        return c.json(report)
      })
      .get('/:kind{communes|targets|gaps}/export', admin, (c) => {
        const kind = kindParam(c)
        const format = formatOf(c)
        const text = exportInventory(store, kind, format)
        return c.body(text, 200, {
          'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/yaml; charset=utf-8',
          'Content-Disposition': `attachment; filename="${kind}.${format}"`,
        })
      })
      // ---- communes ----
      .post('/communes', admin, async (c) => {
        const input = await parsed(c, CommuneInput)
        if (store.getCommune(input.code)) throw new AppError('E_CONFLICT', `commune ${input.code} exists`, [{ path: 'code', message: 'already exists' }])
        store.upsertCommune(input)
        const after = store.getCommune(input.code)
        changed(c, 'create', 'commune', input.code, undefined, { after })
        return c.json(after, 201)
      })
      .put('/communes/:code', admin, async (c) => {
        const input = await parsed(c, CommuneInput)
        if (input.code !== c.req.param('code')) throw new AppError('E_VALIDATION', 'code in body differs from the URL', [{ path: 'code', message: 'must match the URL' }])
        const before = store.getCommune(input.code)
        store.upsertCommune(input)
        const after = store.getCommune(input.code)
        changed(c, before ? 'update' : 'create', 'commune', input.code, undefined, { before, after })
        return c.json(after)
      })
      .patch('/communes/:code', admin, async (c) => {
        const code = c.req.param('code')
        const row = store.getCommune(code)
        if (!row) throw new AppError('E_NOT_FOUND', `no commune ${code}`)
        const patch = await parsed(c, CommunePatch)
        // The stored row may no longer validate (a field stored before a rule existed, or text
        // that changed on the way into SQLite): a 422 naming the field, never a 500.
        const merged = CommuneInput.safeParse({
          code,
          name: patch.name ?? row.name,
          kind: patch.kind ?? row.kind,
          districtCluster: patch.districtCluster ?? row.districtCluster,
          lat: patch.lat ?? row.lat,
          lon: patch.lon ?? row.lon,
          contractedMbps: patch.contractedMbps ?? row.contractedMbps,
          priority: patch.priority ?? row.priority,
          notes: patch.notes ?? row.notes,
        })
        if (!merged.success) throw AppError.fromZod(merged.error)
        store.upsertCommune(merged.data, row.demo)
        const after = store.getCommune(code)
        changed(c, 'update', 'commune', code, patch, { before: row, after })
        return c.json(after)
      })
      .delete('/communes/:code', admin, (c) => {
        const code = c.req.param('code')
        const before = store.getCommune(code)
        if (!store.deleteCommune(code)) throw new AppError('E_NOT_FOUND', `no commune ${code}`)
        changed(c, 'delete', 'commune', code, undefined, { before })
        return c.body(null, 204)
      })
      // ---- targets ----
      .get('/targets', admin, (c) => c.json({ targets: store.listTargets() }))
      .post('/targets', admin, async (c) => {
        const input = await parsed(c, TargetInput)
        if (store.getTarget(input.id)) throw new AppError('E_CONFLICT', `target ${input.id} exists`, [{ path: 'id', message: 'already exists' }])
        const spec = store.upsertTarget(input)
        changed(c, 'create', 'target', spec.id, undefined, { after: store.getTarget(spec.id) })
        return c.json(spec, 201)
      })
      .put('/targets/:id', admin, async (c) => {
        const input = await parsed(c, TargetInput)
        if (input.id !== c.req.param('id')) throw new AppError('E_VALIDATION', 'id in body differs from the URL', [{ path: 'id', message: 'must match the URL' }])
        const before = store.getTarget(input.id)
        const spec = store.upsertTarget(input)
        changed(c, before ? 'update' : 'create', 'target', spec.id, undefined, { before, after: store.getTarget(spec.id) })
        return c.json(spec)
      })
      .delete('/targets/:id', admin, (c) => {
        const id = c.req.param('id')
        const before = store.getTarget(id)
        if (!store.deleteTarget(id)) throw new AppError('E_NOT_FOUND', `no target ${id}`)
        changed(c, 'delete', 'target', id, undefined, { before })
        return c.body(null, 204)
      })
      // ---- probes ----
      .get('/probes', admin, (c) => {
        const at = now()
        const shortest = shortestIntervals(store)
        const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())
        return c.json({
          probes: store.listProbes().map((p) => {
            const silentAfterMs = probeSilenceMs(shortest.get(p.id), deps.config.state.unknownAfterIntervals)
            return {
            id: p.id,
            name: p.name,
            location: p.location,
            builtin: p.builtin,
            version: p.version,
            lastSeenAt: iso(p.lastSeenAt),
            // The overview's rule for silent probes (server/state/silent-probes.ts).
            contact: probeContact(p.lastSeenAt, at, silentAfterMs),
            silentAfterSeconds: silentAfterMs / 1000,
            // Batches waiting in the agent's spool at its last batch; null when it did not say (an old agent).
            spoolBatches: p.spoolBatches,
            revoked: p.revokedAt !== null,
            // The probe's clock minus the server's at its last batch (positive: ahead), and when.
            clockOffsetSeconds: p.clockOffsetMs === null ? null : p.clockOffsetMs / 1000,
            clockOffsetAt: iso(p.clockOffsetAt),
            // Until when the token before the last rotation still works (null: it does not).
            previousTokenValidUntil: p.revokedAt === null && p.previousTokenValidUntil !== null && p.previousTokenValidUntil > at ? iso(p.previousTokenValidUntil) : null,
            }
          }),
        })
      })
      .post('/probes', admin, async (c) => {
        const input = await parsed(c, ProbeInput)
        const { probe, token } = store.createProbe(input.name, input.location)
        changed(c, 'create', 'probe', probe.id)
        const body: ProbeCreated = { id: probe.id, name: probe.name, token }
        return c.json(body, 201)
      })
      .post('/probes/:id/rotate', admin, (c) => {
        const id = c.req.param('id')
        const q = RotateQuery.safeParse(c.req.query())
        if (!q.success) throw AppError.fromZod(q.error, 'query')
        const before = store.getProbe(id)
        if (!before) throw new AppError('E_NOT_FOUND', `no probe ${id}`)
        // Its token lives only in the server process's memory and is replaced at every start.
        if (before.builtin) throw new AppError('E_CONFLICT', "the embedded probe's token cannot be rotated (the server makes a new one at every start)")
        const graceSeconds = q.data.graceSeconds ?? deps.config.probes.rotationGraceSeconds
        const token = store.rotateProbeToken(id, graceSeconds * 1000, now())
        const probe = store.getProbe(id)
        changed(c, 'rotate-token', 'probe', id, { graceSeconds })
        const validUntil = probe?.previousTokenValidUntil ?? null
        const body: ProbeCreated = { id, name: probe?.name ?? id, token, previousTokenValidUntil: validUntil === null ? null : new Date(validUntil).toISOString() }
        return c.json(body)
      })
      // Revoking ends both tokens (the current one, and an old one in its grace) at once.
      .post('/probes/:id/revoke', admin, (c) => {
        const id = c.req.param('id')
        const probe = store.getProbe(id)
        if (!probe) throw new AppError('E_NOT_FOUND', `no probe ${id}`)
        if (probe.builtin) throw new AppError('E_CONFLICT', 'the embedded probe cannot be revoked (stop it with XANH_EMBEDDED_PROBE=0)')
        store.revokeProbe(id)
        changed(c, 'revoke', 'probe', id)
        return c.body(null, 204)
      })
      .delete('/probes/:id', admin, (c) => {
        const id = c.req.param('id')
        const probe = store.getProbe(id)
        if (!probe) throw new AppError('E_NOT_FOUND', `no probe ${id}`)
        if (probe.builtin) throw new AppError('E_CONFLICT', 'the embedded probe cannot be deleted')
        store.deleteProbe(id)
        changed(c, 'delete', 'probe', id)
        return c.body(null, 204)
      })
      // ---- coverage gaps ----
      .post('/gaps', admin, async (c) => {
        const input = await parsed(c, CoverageGapInput)
        if (!store.getCommune(input.communeCode)) throw new AppError('E_VALIDATION', `unknown commune ${input.communeCode}`, [{ path: 'communeCode', message: 'unknown commune' }])
        const gap = store.addGap(input)
        changed(c, 'create', 'gap', String(gap.id))
        return c.json(gap, 201)
      })
      .put('/gaps/:id{[0-9]+}', admin, async (c) => {
        const id = Number(c.req.param('id'))
        const input = await parsed(c, CoverageGapInput)
        if (!store.getCommune(input.communeCode)) throw new AppError('E_VALIDATION', `unknown commune ${input.communeCode}`, [{ path: 'communeCode', message: 'unknown commune' }])
        const gap = store.updateGap(id, input) // E_NOT_FOUND when there is no such gap
        changed(c, 'update', 'gap', String(id))
        return c.json(gap)
      })
      .delete('/gaps/:id{[0-9]+}', admin, (c) => {
        const id = Number(c.req.param('id'))
        if (!store.deleteGap(id)) throw new AppError('E_NOT_FOUND', `no gap ${id}`)
        changed(c, 'delete', 'gap', String(id))
        return c.body(null, 204)
      })
  )
}
