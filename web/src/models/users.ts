/**
 * Accounts: the admin's users list and audit log (Settings), and one's own account (password,
 * sessions). Lists load when their view opens; every write reloads what it changed.
 * @module
 */
import { createModel, signal, type ReadonlySignal } from '@preact/signals'
import { parseInputDate } from '../datetime-input'
import type { AuditEntry, SessionView, UserInput, UserPatch, UserView } from '../../../protocol'
import type { Api, ApiError, ApiResult } from '../api'
import { IDLE, loadInto, type ActionResult, type Loaded } from './alerts'

/** Filters of the audit view (empty = any). */
export interface AuditFilters {
  actor: string
  action: string
  entity: string
  /** A day typed `dd/MM/yyyy` (or `yyyy-MM-dd` from a link), Asia/Ho_Chi_Minh, inclusive. */
  from: string
  to: string
}

/** Entries per page of the audit view. */
export const AUDIT_PAGE = 100

export const NO_AUDIT_FILTERS: AuditFilters = { actor: '', action: '', entity: '', from: '', to: '' }

/** The audit query string for `filters` (dates as Asia/Ho_Chi_Minh days). */
export function auditQuery(filters: AuditFilters, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams()
  if (filters.actor.trim()) q.set('actor', filters.actor.trim())
  if (filters.action.trim()) q.set('action', filters.action.trim())
  if (filters.entity.trim()) q.set('entity', filters.entity.trim())
  // Days as typed in the filter (dd/MM/yyyy, or yyyy-MM-dd from a link), whole Vietnam days.
  const day = (text: string): string | null => {
    if (/^\d{4}-\d{2}-\d{2}$/.test(text.trim())) return text.trim()
    const p = parseInputDate(text)
    return p.ok ? p.value : null
  }
  const from = day(filters.from)
  const to = day(filters.to)
  if (from) q.set('from', new Date(`${from}T00:00:00+07:00`).toISOString())
  if (to) q.set('to', new Date(Date.parse(`${to}T00:00:00+07:00`) + 86_400_000).toISOString())
  for (const [k, v] of Object.entries(extra)) q.set(k, v)
  return q.toString()
}

export interface UsersState {
  users: ReadonlySignal<Loaded<UserView[]>>
  audit: ReadonlySignal<Loaded<AuditEntry[]>>
  auditFilters: ReadonlySignal<AuditFilters>
  mySessions: ReadonlySignal<Loaded<SessionView[]>>
  loadUsers: () => Promise<void>
  createUser: (input: UserInput) => Promise<ActionResult>
  updateUser: (username: string, patch: UserPatch) => Promise<ActionResult>
  resetPassword: (username: string, password: string) => Promise<ActionResult>
  setAuditFilters: (f: AuditFilters) => void
  loadAudit: () => Promise<void>
  loadOlderAudit: () => Promise<void>
  loadMySessions: () => Promise<void>
  revokeMySession: (id: string) => Promise<ActionResult>
  changePassword: (current: string, password: string) => Promise<ApiResult<{ endedSessions: number }>>
}

/** Accounts model. */
export const UsersModel = createModel((deps: { api: Api; onUnauthorized?: () => void }): UsersState => {
  const { api } = deps
  const users = signal<Loaded<UserView[]>>(IDLE, { name: 'users' })
  const audit = signal<Loaded<AuditEntry[]>>(IDLE, { name: 'audit' })
  const auditFilters = signal<AuditFilters>(NO_AUDIT_FILTERS, { name: 'audit-filters' })
  const mySessions = signal<Loaded<SessionView[]>>(IDLE, { name: 'my-sessions' })

  const loadUsers = () => loadInto(users, () => api.users())
  const loadAudit = () => loadInto(audit, () => api.audit(auditQuery(auditFilters.peek(), { limit: String(AUDIT_PAGE) })))
  /** The next page of older entries, appended (the log grows by thousands on an import). */
  async function loadOlderAudit(): Promise<void> {
    const shown = audit.peek().data ?? []
    const last = shown.at(-1)
    if (!last) return
    const r = await api.audit(auditQuery(auditFilters.peek(), { limit: String(AUDIT_PAGE), beforeId: String(last.id) }))
    if (r.ok) audit.value = { status: 'ready', data: [...shown, ...r.data], error: null }
    else if (r.error.code === 'E_UNAUTHORIZED') deps.onUnauthorized?.()
  }
  const loadMySessions = () => loadInto(mySessions, () => api.mySessions())

  async function act<T>(p: Promise<ApiResult<T>>, after?: () => void): Promise<ActionResult> {
    const r = await p
    if (!r.ok) {
      if (r.error.code === 'E_UNAUTHORIZED') deps.onUnauthorized?.()
      return { ok: false, error: r.error as ApiError }
    }
    after?.()
    return { ok: true }
  }

  return {
    users,
    audit,
    auditFilters,
    mySessions,
    loadUsers,
    createUser: (input) => act(api.createUser(input), () => void loadUsers()),
    updateUser: (username, patch) => act(api.updateUser(username, patch), () => void loadUsers()),
    resetPassword: (username, password) => act(api.resetPassword(username, password), () => void loadUsers()),
    setAuditFilters: (f) => {
      auditFilters.value = f
      void loadAudit()
    },
    loadAudit,
    loadOlderAudit,
    loadMySessions,
    revokeMySession: (id) => act(api.revokeMySession(id), () => void loadMySessions()),
    changePassword: async (current, password) => {
      const r = await api.changePassword(current, password)
      if (r.ok) void loadMySessions()
      return r
    },
  }
})

export type UsersModel = InstanceType<typeof UsersModel>
