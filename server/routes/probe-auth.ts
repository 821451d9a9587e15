import type { Context } from 'hono'
import { AppError } from '../errors'
import type { ProbeRow } from '../store/types'
import type { Store } from '../store/store'

/**
 * Resolves the probe of a `Authorization: Bearer <token>` header: its current token, or the one
 * before a rotation while the grace lasts. Nothing is cached: every request reads the probes
 * row, so a revocation (or the end of a grace) refuses the very next request.
 * @param now the server clock (the end of a rotation grace is judged against it)
 * @throws AppError E_UNAUTHORIZED when missing, unknown, revoked or past its grace
 */
export function probeFromBearer(c: Context, store: Store, now: () => number = Date.now): ProbeRow {
  const header = c.req.header('authorization') ?? ''
  const m = /^Bearer\s+(\S+)$/i.exec(header)
  if (!m?.[1]) throw new AppError('E_UNAUTHORIZED', 'probe token required (Authorization: Bearer …)')
  const probe = store.probeByToken(m[1], now())
  if (!probe) throw new AppError('E_UNAUTHORIZED', 'unknown or revoked probe token')
  return probe
}
