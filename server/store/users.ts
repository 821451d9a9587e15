/**
 * Users and their dashboard sessions (tables `users`, `sessions`). Passwords arrive hashed
 * (server/auth.ts owns scrypt); session ids arrive hashed (the cookie's id is never stored).
 * @module
 */
import { and, asc, desc, eq, gt, isNull, lt, or } from 'drizzle-orm'
import type { Db } from './db'
import { sessions, users, type SessionRow, type UserRow } from './schema'

export type Role = UserRow['role']

/** The questions the server asks about users and sessions. */
export interface UserRepo {
  get(username: string): UserRow | undefined
  list(): UserRow[]
  count(): number
  /** @returns false when the username exists */
  create(user: { username: string; displayName: string; role: Role; passwordHash: string }, at: number): boolean
  update(username: string, patch: Partial<Pick<UserRow, 'displayName' | 'role' | 'disabledAt'>>): UserRow | undefined
  setPassword(username: string, passwordHash: string, at: number): boolean
  /** Admins that can sign in (not disabled): the last one must not be demoted, disabled or deleted. */
  activeAdmins(): number
  delete(username: string): boolean

  createSession(s: Omit<SessionRow, 'revokedAt'>): void
  /** A live session by its hashed id (not revoked, not expired), with its user. */
  liveSession(idHash: string, now: number): { session: SessionRow; user: UserRow } | undefined
  touchSession(idHash: string, at: number): void
  /** The user's sessions that are still live, newest first. */
  sessions(username: string, now: number): SessionRow[]
  /** @returns how many sessions were revoked (0 when none matched) */
  revokeSession(username: string, idHash: string, at: number): number
  revokeAllSessions(username: string, at: number, exceptIdHash?: string): number
  /** Drops sessions expired or revoked before `before` (housekeeping). */
  pruneSessions(before: number): number
}

/** The SQLite implementation over drizzle. */
export function createUserRepo(db: Db): UserRepo {
  return {
    get: (username) => db.select().from(users).where(eq(users.username, username)).get(),
    list: () => db.select().from(users).orderBy(asc(users.username)).all(),
    count: () => db.select({ u: users.username }).from(users).all().length,
    create(user, at) {
      const r = db
        .insert(users)
        .values({ ...user, createdAt: at, passwordChangedAt: at })
        .onConflictDoNothing()
        .run()
      return r.changes > 0
    },
    update(username, patch) {
      return db.update(users).set(patch).where(eq(users.username, username)).returning().get()
    },
    setPassword(username, passwordHash, at) {
      return db.update(users).set({ passwordHash, passwordChangedAt: at }).where(eq(users.username, username)).run().changes > 0
    },
    activeAdmins: () =>
      db
        .select({ u: users.username })
        .from(users)
        .where(and(eq(users.role, 'admin'), isNull(users.disabledAt)))
        .all().length,
    delete: (username) => db.delete(users).where(eq(users.username, username)).run().changes > 0,

    createSession(s) {
      db.insert(sessions).values(s).run()
    },
    liveSession(idHash, now) {
      const row = db
        .select()
        .from(sessions)
        .innerJoin(users, eq(users.username, sessions.username))
        .where(and(eq(sessions.idHash, idHash), isNull(sessions.revokedAt), gt(sessions.expiresAt, now), isNull(users.disabledAt)))
        .get()
      return row ? { session: row.sessions, user: row.users } : undefined
    },
    touchSession(idHash, at) {
      db.update(sessions).set({ lastSeenAt: at }).where(eq(sessions.idHash, idHash)).run()
    },
    sessions: (username, now) =>
      db
        .select()
        .from(sessions)
        .where(and(eq(sessions.username, username), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
        .orderBy(desc(sessions.createdAt))
        .all(),
    revokeSession: (username, idHash, at) =>
      db
        .update(sessions)
        .set({ revokedAt: at })
        .where(and(eq(sessions.username, username), eq(sessions.idHash, idHash), isNull(sessions.revokedAt)))
        .run().changes,
    revokeAllSessions(username, at, exceptIdHash) {
      const rows = db
        .select({ id: sessions.idHash })
        .from(sessions)
        .where(and(eq(sessions.username, username), isNull(sessions.revokedAt)))
        .all()
      let n = 0
      for (const r of rows) {
        if (r.id === exceptIdHash) continue
        n += db.update(sessions).set({ revokedAt: at }).where(eq(sessions.idHash, r.id)).run().changes
      }
      return n
    },
    pruneSessions: (before) =>
      db
        .delete(sessions)
        .where(or(lt(sessions.expiresAt, before), lt(sessions.revokedAt, before)))
        .run().changes,
  }
}
