/**
 * The audit log (table `audit_log`): every write, who (and in which role), when, from where,
 * what, and the entity before → after. Routes write through `Store.audit`; admins read it.
 * @module
 */
import { and, desc, eq, gte, like, lt, type SQL } from 'drizzle-orm'
import type { Db } from './db'
import { auditLog, type AuditRow } from './schema'

/** Who did it and from where: filled per request by the HTTP layer. */
export interface AuditContext {
  role: string | null
  address: string | null
}

/** What to read: every field optional; newest first. */
export interface AuditFilter {
  actor?: string
  action?: string
  entity?: string
  /** Substring of the entity id. */
  entityId?: string
  from?: number
  to?: number
  limit: number
  /** Rows with an id below this (paging back). */
  beforeId?: number
}

export interface AuditRepo {
  write(row: Omit<AuditRow, 'id'>): void
  list(filter: AuditFilter): AuditRow[]
}

const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v))

/** The SQLite implementation over drizzle. */
export function createAuditRepo(db: Db): AuditRepo {
  return {
    write(row) {
      db.insert(auditLog).values(row).run()
    },
    list(f) {
      const where: SQL[] = []
      if (f.actor) where.push(eq(auditLog.actor, f.actor))
      if (f.action) where.push(eq(auditLog.action, f.action))
      if (f.entity) where.push(eq(auditLog.entity, f.entity))
      if (f.entityId) where.push(like(auditLog.entityId, `%${f.entityId.replace(/[%_\\]/g, '\\$&')}%`))
      if (f.from !== undefined) where.push(gte(auditLog.at, f.from))
      if (f.to !== undefined) where.push(lt(auditLog.at, f.to))
      if (f.beforeId !== undefined) where.push(lt(auditLog.id, f.beforeId))
      return db
        .select()
        .from(auditLog)
        .where(where.length ? and(...where) : undefined)
        .orderBy(desc(auditLog.id))
        .limit(f.limit)
        .all()
    },
  }
}

export { json as auditJson }
