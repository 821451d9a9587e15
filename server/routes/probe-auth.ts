import type { Context } from 'hono'
import { AppError } from '../errors'
import type { ProbeRow } from '../store/schema'
import type { Store } from '../store/store'

/**
 * Resolves the probe of a `Authorization: Bearer <token>` header.
 * @throws AppError E_UNAUTHORIZED when missing, unknown or revoked
 */
export function probeFromBearer(c: Context, store: Store): ProbeRow {
  const header = c.req.header('authorization') ?? ''
  const m = /^Bearer\s+(\S+)$/i.exec(header)
  if (!m?.[1]) throw new AppError('E_UNAUTHORIZED', 'probe token required (Authorization: Bearer …)')
  const probe = store.probeByToken(m[1])
  if (!probe) throw new AppError('E_UNAUTHORIZED', 'unknown or revoked probe token')
  return probe
}
