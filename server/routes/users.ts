import { Hono, type Context } from 'hono'
import type { z } from 'zod'
import { AuditQuery, PasswordReset, SessionList, UserInput, UserPatch, type AuditEntry, type UserView } from '../../protocol'
import type { AppDeps, AppEnv } from '../app'
import { hashPassword } from '../auth'
import { readJsonBody } from '../body'
import { AppError } from '../errors'
import { CSV_DIALECTS, csvLanguage, writeCsv } from '../inventory/csv'
import type { AuditRow, UserRow } from '../store/types'

const SMALL = { maxBodyBytes: 16 * 1024, maxDecompressedBytes: 16 * 1024 }

/** The user as the API shows it (never the hash). */
function view(u: UserRow, sessions: { lastSeenAt: number }[]): UserView {
  const last = sessions.reduce<number | null>((m, s) => (m === null || s.lastSeenAt > m ? s.lastSeenAt : m), null)
  return {
    username: u.username,
    displayName: u.displayName,
    role: u.role,
    disabled: u.disabledAt !== null,
    createdAt: new Date(u.createdAt).toISOString(),
    passwordChangedAt: u.passwordChangedAt === null ? null : new Date(u.passwordChangedAt).toISOString(),
    lastSeenAt: last === null ? null : new Date(last).toISOString(),
    sessions: sessions.length,
  }
}

/** What the audit log keeps of a user: no password hash. */
const auditable = (u: UserRow | undefined) => (u ? { username: u.username, displayName: u.displayName, role: u.role, disabled: u.disabledAt !== null } : undefined)

const parseJson = (s: string | null): unknown => {
  if (s === null) return null
  try {
    return JSON.parse(s) as unknown
  } catch {
    return s
  }
}

function entry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    role: r.role,
    address: r.address,
    action: r.action,
    entity: r.entity,
    entityId: r.entityId,
    detail: parseJson(r.detail),
    before: parseJson(r.before),
    after: parseJson(r.after),
  }
}

/** Audit CSV headers per language (exported for the glossary test). */
export const AUDIT_CSV_HEADERS = {
  vi: ['Mã', 'Thời điểm (giờ Việt Nam)', 'Người thực hiện', 'Vai trò', 'Địa chỉ', 'Hành động', 'Đối tượng', 'Mã đối tượng', 'Chi tiết', 'Trước', 'Sau'],
  en: ['Id', 'Time (Asia/Ho_Chi_Minh)', 'Actor', 'Role', 'Address', 'Action', 'Entity', 'Entity id', 'Detail', 'Before', 'After'],
} as const

/** `yyyy-MM-dd HH:mm:ss` in Asia/Ho_Chi_Minh (UTC+7, no daylight saving). */
const localTime = (ms: number): string => new Date(ms + 7 * 3600_000).toISOString().replace('T', ' ').slice(0, 19)

/**
 * Users (admin): create, list, change role or name, disable (ending their sessions at once),
 * reset a password, list and end a user's sessions; the last active admin cannot be demoted,
 * disabled or deleted. The audit log (admin): filters, newest first, CSV with BOM for Excel.
 */
export function userRoutes(deps: AppDeps): Hono<AppEnv> {
  const { store } = deps
  const now = deps.now ?? Date.now
  const parse = async <T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> => {
    const r = schema.safeParse(await readJsonBody(c, SMALL))
    if (!r.success) throw AppError.fromZod(r.error)
    return r.data
  }
  const found = (username: string): UserRow => {
    const u = store.users.get(username)
    if (!u) throw new AppError('E_NOT_FOUND', `no user ${username}`)
    return u
  }
  const keepOneAdmin = (u: UserRow, leavesAdmin: boolean): void => {
    if (u.role === 'admin' && u.disabledAt === null && leavesAdmin && store.users.activeAdmins() <= 1) {
      throw new AppError('E_CONFLICT', `${u.username} is the last active admin`, [{ path: 'role', message: 'keep at least one active admin' }])
    }
  }

  return new Hono<AppEnv>()
    .get('/users', (c) => c.json({ users: store.users.list().map((u) => view(u, store.users.sessions(u.username, now()))) }))
    .post('/users', async (c) => {
      const input = await parse(c, UserInput)
      const created = store.users.create({ username: input.username, displayName: input.displayName, role: input.role, passwordHash: hashPassword(input.password) }, now())
      if (!created) throw new AppError('E_CONFLICT', `user ${input.username} exists`, [{ path: 'username', message: 'already exists' }])
      const u = found(input.username)
      store.audit(c.get('actor'), 'create', 'user', u.username, undefined, { after: auditable(u) })
      return c.json(view(u, []), 201)
    })
    .patch('/users/:username', async (c) => {
      const before = found(c.req.param('username'))
      const patch = await parse(c, UserPatch)
      keepOneAdmin(before, (patch.role !== undefined && patch.role !== 'admin') || patch.disabled === true)
      const after = store.users.update(before.username, {
        ...(patch.displayName !== undefined ? { displayName: patch.displayName } : {}),
        ...(patch.role !== undefined ? { role: patch.role } : {}),
        ...(patch.disabled !== undefined ? { disabledAt: patch.disabled ? (before.disabledAt ?? now()) : null } : {}),
      }) as UserRow
      // A disabled user is out at once: every session ends (Basic checks re-read the row too).
      const ended = patch.disabled === true ? store.users.revokeAllSessions(after.username, now()) : 0
      store.audit(c.get('actor'), patch.disabled === true ? 'disable' : 'update', 'user', after.username, ended ? { endedSessions: ended } : undefined, { before: auditable(before), after: auditable(after) })
      return c.json(view(after, store.users.sessions(after.username, now())))
    })
    .delete('/users/:username', (c) => {
      const u = found(c.req.param('username'))
      keepOneAdmin(u, true)
      if (u.username === c.get('actor')) throw new AppError('E_CONFLICT', 'you cannot delete yourself', [{ path: 'username', message: 'signed in as this user' }])
      store.users.delete(u.username)
      store.audit(c.get('actor'), 'delete', 'user', u.username, undefined, { before: auditable(u) })
      return c.body(null, 204)
    })
    .post('/users/:username/password', async (c) => {
      const u = found(c.req.param('username'))
      const input = await parse(c, PasswordReset)
      store.users.setPassword(u.username, hashPassword(input.password), now())
      const ended = store.users.revokeAllSessions(u.username, now())
      store.audit(c.get('actor'), 'reset-password', 'user', u.username, { endedSessions: ended })
      return c.json({ endedSessions: ended })
    })
    .get('/users/:username/sessions', (c) => {
      const u = found(c.req.param('username'))
      const iso = (ms: number) => new Date(ms).toISOString()
      return c.json(
        SessionList.parse({
          sessions: store.users.sessions(u.username, now()).map((s) => ({ id: s.idHash, createdAt: iso(s.createdAt), lastSeenAt: iso(s.lastSeenAt), expiresAt: iso(s.expiresAt), address: s.address, userAgent: s.userAgent, current: s.idHash === c.get('identity')?.sessionIdHash })),
        }),
      )
    })
    .delete('/users/:username/sessions', (c) => {
      const u = found(c.req.param('username'))
      const ended = store.users.revokeAllSessions(u.username, now())
      store.audit(c.get('actor'), 'revoke-sessions', 'user', u.username, { endedSessions: ended })
      return c.json({ endedSessions: ended })
    })
    .get('/audit', (c) => {
      const q = AuditQuery.safeParse(c.req.query())
      if (!q.success) throw AppError.fromZod(q.error)
      const f = q.data
      const rows = store.auditLog.list({
        ...(f.actor ? { actor: f.actor } : {}),
        ...(f.action ? { action: f.action } : {}),
        ...(f.entity ? { entity: f.entity } : {}),
        ...(f.entityId ? { entityId: f.entityId } : {}),
        ...(f.from ? { from: Date.parse(f.from) } : {}),
        ...(f.to ? { to: Date.parse(f.to) } : {}),
        ...(f.beforeId ? { beforeId: f.beforeId } : {}),
        limit: f.limit,
      })
      if (f.format === 'json') return c.json({ entries: rows.map(entry) })
      const text = (v: string | null) => v ?? ''
      const lang = csvLanguage(f.lang, c.req.header('accept-language'))
      const lines = [[...AUDIT_CSV_HEADERS[lang]], ...rows.map((r) => [String(r.id), localTime(r.at), r.actor, text(r.role), text(r.address), r.action, r.entity, text(r.entityId), text(r.detail), text(r.before), text(r.after)])]
      // writeCsv: BOM (Excel opens UTF-8 Vietnamese names correctly only with it), and `;` for
      // Excel set to Vietnamese, which would otherwise put every column in the first one.
      return c.body(writeCsv(lines, CSV_DIALECTS[lang]), 200, {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="xanh-audit-${localTime(now()).slice(0, 10)}.csv"`,
      })
    })
}
