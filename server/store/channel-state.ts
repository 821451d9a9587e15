/**
 * Channel state repository: delivery health and provider-rotated credentials of each channel of
 * each support group (table `channel_state`). The outbox writes an outcome per attempt; the
 * routes, the dashboard and `/metrics` read it. Every write is one statement, so a crash leaves
 * either the old row or the new one — what a single-use refresh token needs.
 * @module
 */
import { and, eq } from 'drizzle-orm'
import type { Db } from './db'
import { channelState, type ChannelStateRow } from './schema'

/** What a failed attempt left behind. */
export interface ChannelFailure {
  at: number
  /** One line, secret-free. */
  error: string
  action: 'retry' | 'admin' | 'permanent'
  /** Stable cause code, explained to people by the UI (`zalo_token_expired`, `http_410`, …). */
  code: string | null
  nextRetryAt: number | null
}

/** A channel's row; `undefined` fields mean "never". */
export type ChannelStateRecord = ChannelStateRow

/** The questions alerting asks about channel state. */
export interface ChannelStateRepo {
  /** The row of one channel, or undefined when it was never used (or its config changed since). */
  get(groupId: number, channelIndex: number, configHash: string): ChannelStateRecord | undefined
  list(): ChannelStateRecord[]
  recordSuccess(groupId: number, channelIndex: number, configHash: string, at: number): void
  recordFailure(groupId: number, channelIndex: number, configHash: string, failure: ChannelFailure): void
  /** The receiver said the endpoint is gone (410): no more attempts until an admin re-enables it. */
  disable(groupId: number, channelIndex: number, configHash: string, at: number, reason: string): void
  /** Re-enables a disabled channel and clears its failure streak. @returns whether it was disabled */
  enable(groupId: number, channelIndex: number): boolean
  /**
   * Credentials saved for the channel, whatever config they were written under: an edit of the
   * channel must not lose a rotated token pair. The notifier that saved them tells whether they
   * still belong to its config (a Zalo pair records the refresh token it grew from).
   */
  credentials(groupId: number, channelIndex: number): Record<string, unknown> | undefined
  saveCredentials(groupId: number, channelIndex: number, configHash: string, value: Record<string, unknown>, at: number): void
  /** Drops the rows of a group's channels from `fromIndex` on (channels removed or reordered). */
  forget(groupId: number, fromIndex?: number): void
}

/** What each recorded event changes in a channel's state (both implementations apply these). */
export const CHANNEL_PATCH = {
  success: (at: number): Partial<ChannelStateRow> => ({ lastAttemptAt: at, lastSuccessAt: at, consecutiveFailures: 0, nextRetryAt: null }),
  failure: (row: ChannelStateRow, f: ChannelFailure): Partial<ChannelStateRow> => ({
    lastAttemptAt: f.at,
    lastErrorAt: f.at,
    lastError: f.error,
    lastErrorAction: f.action,
    lastErrorCode: f.code,
    consecutiveFailures: row.consecutiveFailures + 1,
    nextRetryAt: f.nextRetryAt,
  }),
  disabled: (at: number, reason: string): Partial<ChannelStateRow> => ({ disabledAt: at, disabledReason: reason, nextRetryAt: null }),
}

/** The state of a channel nothing is known about yet (both implementations start from it). */
export function freshChannelState(groupId: number, channelIndex: number, configHash: string, at: number): ChannelStateRow {
  return {
    groupId,
    channelIndex,
    configHash,
    lastAttemptAt: null,
    lastSuccessAt: null,
    lastErrorAt: null,
    lastError: null,
    lastErrorAction: null,
    lastErrorCode: null,
    consecutiveFailures: 0,
    nextRetryAt: null,
    disabledAt: null,
    disabledReason: null,
    credentials: null,
    updatedAt: at,
  }
}

/** The SQLite implementation over drizzle. */
export function createChannelStateRepo(db: Db): ChannelStateRepo {
  const key = (groupId: number, channelIndex: number) => and(eq(channelState.groupId, groupId), eq(channelState.channelIndex, channelIndex))
  const fresh = freshChannelState
  /** Upserts: health written for another config hash starts afresh (a changed channel); credentials stay. */
  const write = (groupId: number, channelIndex: number, configHash: string, at: number, patch: (row: ChannelStateRow) => Partial<ChannelStateRow>): void => {
    const current = db.select().from(channelState).where(key(groupId, channelIndex)).get()
    const base: ChannelStateRow = current && current.configHash === configHash ? current : { ...fresh(groupId, channelIndex, configHash, at), credentials: current?.credentials ?? null }
    const next: ChannelStateRow = { ...base, ...patch(base), groupId, channelIndex, configHash, updatedAt: at }
    db.insert(channelState)
      .values(next)
      .onConflictDoUpdate({ target: [channelState.groupId, channelState.channelIndex], set: next })
      .run()
  }
  return {
    get(groupId, channelIndex, configHash) {
      const row = db.select().from(channelState).where(key(groupId, channelIndex)).get()
      return row && row.configHash === configHash ? row : undefined
    },
    list() {
      return db.select().from(channelState).all()
    },
    recordSuccess(groupId, channelIndex, configHash, at) {
      write(groupId, channelIndex, configHash, at, () => CHANNEL_PATCH.success(at))
    },
    recordFailure(groupId, channelIndex, configHash, f) {
      write(groupId, channelIndex, configHash, f.at, (row) => CHANNEL_PATCH.failure(row, f))
    },
    disable(groupId, channelIndex, configHash, at, reason) {
      write(groupId, channelIndex, configHash, at, () => CHANNEL_PATCH.disabled(at, reason))
    },
    enable(groupId, channelIndex) {
      const r = db
        .update(channelState)
        .set({ disabledAt: null, disabledReason: null, consecutiveFailures: 0, nextRetryAt: null })
        .where(key(groupId, channelIndex))
        .run()
      return r.changes > 0
    },
    credentials(groupId, channelIndex) {
      return db.select({ credentials: channelState.credentials }).from(channelState).where(key(groupId, channelIndex)).get()?.credentials ?? undefined
    },
    saveCredentials(groupId, channelIndex, configHash, value, at) {
      write(groupId, channelIndex, configHash, at, () => ({ credentials: value }))
    },
    forget(groupId, fromIndex = 0) {
      const rows = db.select({ i: channelState.channelIndex }).from(channelState).where(eq(channelState.groupId, groupId)).all()
      for (const r of rows) if (r.i >= fromIndex) db.delete(channelState).where(key(groupId, r.i)).run()
    },
  }
}
