import { setFlagsFromString } from 'node:v8'
import { describe, expect, it } from 'vitest'
import { StateConfig, Thresholds } from '../../../server/config'
import { StateEngine } from '../../../server/state/engine'

// V8's own test intrinsic: whether two objects share a hidden class (map). Turned on for this
// file's worker only; `new Function` compiles after the flag is set.
setFlagsFromString('--allow-natives-syntax')
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean

const T0 = Date.parse('2026-12-01T00:00:00Z')
const MBIT = 1e6 / 8

describe('engine: the verdicts it keeps (issue 14, memory at national load)', () => {
  it('every verdict of every rule shares one hidden class, all fields in the object', () => {
    const engine = new StateEngine(StateConfig.parse({}), Thresholds.parse({}), () => T0 + 1000)
    engine.setInventory(
      [{ code: 'KS', name: 'Xã Mường Lống', kind: 'xa', cluster: 'Cụm Kỳ Sơn', lat: 19.4, lon: 104.2, contractedMbps: 100, priority: 0, notes: '', openGaps: 0 }],
      [
        { id: 'đường-truyền', kind: 'udp_echo' as const, role: 'line' as const, intervalSeconds: 15 },
        { id: 'mcu-tỉnh', kind: 'udp_echo' as const, role: 'mcu' as const, intervalSeconds: 15 },
        { id: 'ping', kind: 'icmp' as const, role: 'line' as const, intervalSeconds: 15 },
        { id: 'tốc-độ', kind: 'throughput' as const, role: 'line' as const, intervalSeconds: 6 * 3600 },
      ].map((t) => ({ communeCode: 'KS', name: null, host: '127.0.0.1', port: 8620, parents: [], enabled: true, ...t })),
    )
    const at = T0 + 500
    engine.ingest([
      { targetId: 'đường-truyền', observedAt: at, ok: true, error: null, measurements: { rtt_median_seconds: 0.0123, jitter_seconds: 0.0004, sent: 50, received: 49, mos_estimate: 4.31 } },
      { targetId: 'mcu-tỉnh', observedAt: at, ok: true, error: null, measurements: { rtt_median_seconds: 0.2, jitter_seconds: 0.04, sent: 50, received: 40 } },
      { targetId: 'ping', observedAt: at, ok: true, error: null, measurements: { rtt_median_seconds: 0.011, sent: 15, received: 15 } },
      { targetId: 'tốc-độ', observedAt: at, ok: true, error: null, measurements: { download_bytes_per_second: 57.1 * MBIT, upload_bytes_per_second: 95 * MBIT } },
    ])
    const verdicts = ['đường-truyền', 'mcu-tỉnh', 'ping', 'tốc-độ'].flatMap((id) => engine.targetStatus(id)?.verdicts ?? [])
    // Rules with different optional fields: parts, contracted rates and factors, sample counts.
    expect(new Set(verdicts.map((v) => v.rule))).toEqual(new Set(['throughput', 'rtt', 'jitter', 'one_way_delay']))
    expect(verdicts.find((v) => v.rule === 'throughput')).toMatchObject({ part: 'download', state: 'warning', factor: 0.8, contracted: 100 * MBIT })
    const first = verdicts[0] as object
    expect(verdicts.filter((v) => !haveSameMap(v, first)).map((v) => v.rule)).toEqual([])
    // The API's JSON is what it was: absent fields are not written.
    expect(JSON.parse(JSON.stringify(verdicts.find((v) => v.rule === 'rtt')))).not.toHaveProperty('part')
  })
})
