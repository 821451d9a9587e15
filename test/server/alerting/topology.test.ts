/**
 * SPEC §4/§6 end to end inside one runtime (real SQLite, real outbox, a real HTTP receiver):
 * a core uplink with 30 communes behind it fails → exactly one notification, naming the
 * uplink and "30 communes"; recovery → one resolution covering it; no per-commune messages.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { commune, makeTestServer, udpTarget, type TestServer } from '../../helpers/server'
import { startRecordServer, type RecordServer } from '../../helpers/record-server'

let s: TestServer
let hook: RecordServer

const N = 30
beforeEach(async () => {
  hook = await startRecordServer()
  const communes = [commune('CORE', { name: 'Trung tâm tỉnh', districtCluster: 'Tỉnh' }), ...Array.from({ length: N }, (_, i) => commune(`C${i}`, { name: `Xã ${i}`, districtCluster: 'Cụm A' }))]
  const targets = [
    udpTarget('core-uplink', 'CORE', 'uplink'),
    ...Array.from({ length: N }, (_, i) => udpTarget(`c${i}-line`, `C${i}`, 'line', { parents: ['core-uplink'] })),
  ]
  s = makeTestServer({ communes, targets })
  s.runtime.store.supportGroups.create({ name: 'NOC tỉnh', channels: [{ type: 'webhook', url: `${hook.url}/hook` }], communes: [], clusters: [], escalation: [] })
  s.runtime.reloadInventory()
})
afterEach(async () => {
  s.close()
  await hook.close()
})

/** One 15-s round for every target: ok or 100 % loss. */
function round(ok: (id: string) => boolean): void {
  s.clock.now += 15_000
  const ids = ['core-uplink', ...Array.from({ length: N }, (_, i) => `c${i}-line`)]
  s.runtime.engine.ingest(
    ids.map((id) => ({
      targetId: id,
      observedAt: s.clock.now,
      ok: ok(id),
      error: ok(id) ? null : `100% loss to 127.0.0.1:8620 (50 sent)`,
      measurements: (ok(id) ? { rtt_median_seconds: 0.01, sent: 50, received: 50, jitter_seconds: 0.001 } : { sent: 50, received: 0, loss_ratio: 1 }) as Record<string, number>,
    })),
  )
  s.runtime.tick()
}

async function settle(seconds: number): Promise<void> {
  for (let t = 0; t < seconds; t += 5) {
    s.clock.now += 5_000
    s.runtime.tick()
    await s.runtime.alerting.outbox.deliverDue()
  }
}

type Hook = { status: string; alerts: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string> }>; commonLabels: Record<string, string> }

describe('topology-aware alerting', () => {
  it('core uplink down with 30 communes behind it → exactly one notification naming the uplink and 30 communes; back → one resolution', async () => {
    round(() => true)
    round(() => true)
    for (let i = 0; i < 3; i++) round(() => false)
    expect(s.runtime.engine.targetStatus('core-uplink')?.state).toBe('down')
    expect(s.runtime.engine.targetStatus('c0-line')?.unreachable).toBe(true)
    await settle(60)
    expect(hook.requests).toHaveLength(1)
    const sent = hook.requests[0]?.body as Hook
    expect(sent.status).toBe('firing')
    expect(sent.alerts).toHaveLength(1)
    expect(sent.alerts[0]?.labels.target).toBe('core-uplink')
    const incidents = s.runtime.alerting.list('open', 100)
    expect(incidents).toHaveLength(1)
    expect(incidents[0]).toMatchObject({ targetId: 'core-uplink', affectedCommunes: N })
    // The message says how many communes are cut off (Vietnamese by default).
    const text = JSON.stringify(sent)
    expect(text).not.toContain('c0-line')
    const alert = sent.alerts[0] as Hook['alerts'][number]
    expect(alert.annotations.summary).toContain('MẤT KẾT NỐI')
    expect(alert.annotations.summary).toContain('ảnh hưởng 30 xã, phường')
    const detail = s.runtime.alerting.get(incidents[0]?.id as number)
    expect(detail.timeline?.map((e) => e.type)).toContain('notified')

    // More failing rounds while it stays down: still only one message.
    for (let i = 0; i < 4; i++) round(() => false)
    await settle(30)
    expect(hook.requests).toHaveLength(1)

    // Core back: two good rounds bring everything up; one resolution, nothing per commune.
    round(() => true)
    round(() => true)
    await settle(330)
    expect(hook.requests).toHaveLength(2)
    const resolved = hook.requests[1]?.body as Hook
    expect(resolved.status).toBe('resolved')
    expect(resolved.alerts.map((a) => a.labels.target)).toEqual(['core-uplink'])
    expect(s.runtime.alerting.list('open', 100)).toHaveLength(0)
  })

  it('the message is in Vietnamese, names the commune, the cluster and the affected count', async () => {
    const { renderMessage } = await import('../../../server/alerting/messages')
    const m = renderMessage(
      {
        language: 'vi',
        kind: 'notification',
        receiver: 'NOC',
        groupKey: '{}',
        groupLabels: { cluster: 'Tỉnh' },
        firing: [
          {
            incidentId: 1,
            fingerprint: 'target:core-uplink',
            alertname: 'XanhTargetDown',
            severity: 'critical',
            labels: { target: 'core-uplink', role: 'uplink', commune: 'Trung tâm tỉnh', commune_code: 'CORE', cluster: 'Tỉnh' },
            annotations: { reason: 'down', error: '100% loss to 10.0.0.1:8620 (50 sent)' },
            startsAt: Date.parse('2026-11-24T19:14:00Z'),
            endsAt: null,
            affectedCommunes: 30,
            flapping: false,
          },
        ],
        resolved: [],
        now: Date.parse('2026-11-24T19:29:00Z'),
        publicUrl: 'https://xanh.example',
      },
      { idempotencyKey: 'k', threadKey: 't', fingerprintOf: () => 'f' },
    )
    expect(m.title).toBe('🔴 MẤT KẾT NỐI — Tuyến trục Trung tâm tỉnh (CORE, Tỉnh)')
    expect(m.text).toContain('từ 02:14 25/11') // 19:14 UTC is 02:14 the next day in Hà Nội
    expect(m.text).toContain('15 phút')
    expect(m.text).toContain('ảnh hưởng 30 xã, phường')
    expect(m.text).toContain('100% loss to 10.0.0.1:8620')
    expect(m.link).toBe('https://xanh.example/#/commune/CORE')
  })
})
