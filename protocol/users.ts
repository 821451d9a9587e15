/**
 * Users, sessions and the audit log on the wire (SPEC §2 "user", §9).
 * @module
 */
import { z } from 'zod'

const IsoTime = z.iso.datetime({ offset: true })

export const UserRole = z.enum(['viewer', 'operator', 'admin'])
export type UserRole = z.infer<typeof UserRole>

/** Sign-in names: ASCII letters, digits, dot, dash, underscore (they appear in logs and headers). */
export const Username = z
  .string()
  .trim()
  .min(2)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters a–z, digits, . _ - only')

/** At least 12 characters (any script), at most 200. */
export const Password = z.string().min(12, 'at least 12 characters').max(200)

export const UserInput = z.strictObject({
  username: Username,
  /** The person's name as colleagues know it, e.g. "Nguyễn Thị Hương". */
  displayName: z.string().trim().max(100).default(''),
  role: UserRole,
  password: Password,
})
export type UserInput = z.infer<typeof UserInput>

export const UserPatch = z
  .strictObject({
    displayName: z.string().trim().max(100).optional(),
    role: UserRole.optional(),
    disabled: z.boolean().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, 'nothing to change')
export type UserPatch = z.infer<typeof UserPatch>

export const PasswordReset = z.strictObject({ password: Password })
export const PasswordChange = z.strictObject({ current: z.string().min(1).max(200), password: Password })

export const UserView = z.strictObject({
  username: z.string(),
  displayName: z.string(),
  role: UserRole,
  disabled: z.boolean(),
  createdAt: IsoTime,
  passwordChangedAt: IsoTime.nullable(),
  /** Newest activity of any live session. */
  lastSeenAt: IsoTime.nullable(),
  sessions: z.number().int().nonnegative(),
})
export type UserView = z.infer<typeof UserView>
export const UserList = z.strictObject({ users: z.array(UserView) })

/**
 * `GET /api/v1/session` (and the answer of a sign-in): who is signed in, or nobody; and whether
 * anonymous reading is allowed (a wallboard), so the dashboard knows to ask for a sign-in.
 */
export const SessionAnswer = z.discriminatedUnion('signedIn', [
  z.strictObject({ signedIn: z.literal(true), username: z.string(), role: UserRole, displayName: z.string(), publicRead: z.boolean() }),
  z.strictObject({ signedIn: z.literal(false), publicRead: z.boolean() }),
])
export type SessionAnswer = z.infer<typeof SessionAnswer>

export const SessionView = z.strictObject({
  /** The session's handle for revoking it (a hash: it cannot be used as a cookie). */
  id: z.string(),
  createdAt: IsoTime,
  lastSeenAt: IsoTime,
  expiresAt: IsoTime,
  address: z.string(),
  userAgent: z.string(),
  current: z.boolean(),
})
export type SessionView = z.infer<typeof SessionView>
export const SessionList = z.strictObject({ sessions: z.array(SessionView) })

export const AuditEntry = z.strictObject({
  id: z.number().int(),
  at: IsoTime,
  actor: z.string(),
  role: z.string().nullable(),
  address: z.string().nullable(),
  action: z.string(),
  entity: z.string(),
  entityId: z.string().nullable(),
  detail: z.unknown().nullable(),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
})
export type AuditEntry = z.infer<typeof AuditEntry>
export const AuditList = z.strictObject({ entries: z.array(AuditEntry) })

export const AuditQuery = z.strictObject({
  actor: z.string().max(100).optional(),
  action: z.string().max(50).optional(),
  entity: z.string().max(50).optional(),
  entityId: z.string().max(200).optional(),
  from: IsoTime.optional(),
  to: IsoTime.optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(200),
  beforeId: z.coerce.number().int().positive().optional(),
  format: z.enum(['json', 'csv']).default('json'),
  /** CSV language (headers and Excel dialect); when absent the server follows Accept-Language, else vi. */
  lang: z.enum(['vi', 'en']).optional(),
})
export type AuditQuery = z.infer<typeof AuditQuery>
