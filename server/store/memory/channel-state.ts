/**
 * In-memory {@link ChannelStateRepo}: same contract as the SQLite one (test/server/store/channel-state.test.ts).
 * @module
 */
import { CHANNEL_PATCH, freshChannelState, type ChannelStateRecord, type ChannelStateRepo } from '../channel-state'
import type { ChannelStateRow } from '../schema'
import { copyRow } from './table'

/** The rows, by group id and channel index. */
export interface MemoryChannelStateTable {
  rows: Map<string, ChannelStateRow>
}

/** A channel state repository over `table` (a fresh one by default). */
export function createMemoryChannelStateRepo(table: MemoryChannelStateTable = { rows: new Map() }): ChannelStateRepo {
  const key = (groupId: number, channelIndex: number): string => `${groupId}#${channelIndex}`
  const fresh = freshChannelState
  // As the SQLite upsert: state written under another config hash starts afresh; credentials stay.
  const write = (groupId: number, channelIndex: number, configHash: string, at: number, patch: (row: ChannelStateRow) => Partial<ChannelStateRow>): void => {
    const current = table.rows.get(key(groupId, channelIndex))
    const base: ChannelStateRow = current && current.configHash === configHash ? current : { ...fresh(groupId, channelIndex, configHash, at), credentials: current?.credentials ?? null }
    table.rows.set(key(groupId, channelIndex), copyRow({ ...base, ...patch(base), groupId, channelIndex, configHash, updatedAt: at }))
  }
  return {
    get(groupId, channelIndex, configHash): ChannelStateRecord | undefined {
      const row = table.rows.get(key(groupId, channelIndex))
      return row && row.configHash === configHash ? copyRow(row) : undefined
    },
    list() {
      return [...table.rows.values()].map(copyRow)
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
      const row = table.rows.get(key(groupId, channelIndex))
      if (!row) return false
      Object.assign(row, { disabledAt: null, disabledReason: null, consecutiveFailures: 0, nextRetryAt: null })
      return true
    },
    credentials(groupId, channelIndex) {
      const c = table.rows.get(key(groupId, channelIndex))?.credentials
      return c ? copyRow(c) : undefined
    },
    saveCredentials(groupId, channelIndex, configHash, value, at) {
      write(groupId, channelIndex, configHash, at, () => ({ credentials: value }))
    },
    forget(groupId, fromIndex = 0) {
      for (const [k, row] of table.rows) if (row.groupId === groupId && row.channelIndex >= fromIndex) table.rows.delete(k)
    },
  }
}
