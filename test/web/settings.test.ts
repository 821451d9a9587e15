/**
 * Settings model (issue 13, Build 6): a target is edited with PUT and the list reloads; a
 * probe's contact follows the server's rule as the clock moves.
 */
import { describe, expect, it } from 'vitest'
import type { TargetInput } from '../../protocol'
import { contactOf, SettingsModel } from '../../web/src/models/settings'
import type { ProbeView, TargetRowView } from '../../web/src/wire'
import { stubApi } from './fakes'

const row = (over: Partial<TargetRowView> = {}): TargetRowView => ({
  id: 'chau-khe-line',
  communeCode: 'CHAUKHE',
  name: 'Cáp quang Châu Khê',
  kind: 'udp_echo',
  host: '10.1.2.3',
  port: 8621,
  role: 'line',
  intervalS: 30,
  timeoutS: 5,
  parents: [],
  probeId: null,
  enabled: true,
  options: { packets: 20 },
  ...over,
})

describe('SettingsModel: editing a target', () => {
  it('opens the row, PUTs the input, closes the form, says which was saved and reloads the list', async () => {
    const sent: TargetInput[] = []
    let list = [row()]
    let changed = 0
    const api = stubApi({
      targets: async () => ({ ok: true, data: list }),
      updateTarget: async (input) => {
        sent.push(input)
        list = [row({ name: input.name ?? null, intervalS: input.intervalSeconds ?? 30 })]
        return { ok: true, data: null }
      },
    })
    const m = new SettingsModel({ api, onInventoryChanged: () => changed++ })
    await m.loadTargets()
    m.editTarget('chau-khe-line')
    expect(m.targetDraft.value?.options).toEqual({ packets: 20 })
    const input: TargetInput = { id: 'chau-khe-line', communeCode: 'CHAUKHE', name: 'Cáp quang xã Châu Khê (mới)', kind: 'udp_echo', host: '10.1.2.3', port: 8621, role: 'line', intervalSeconds: 4, parents: [], options: { packets: 20 }, probeId: null, enabled: true }
    expect(await m.updateTarget(input)).toEqual({ ok: true })
    expect(sent).toEqual([input])
    expect(m.targetDraft.value).toBeNull()
    expect(m.savedTarget.value).toBe('chau-khe-line')
    expect(changed).toBe(1)
    await new Promise((r) => setTimeout(r, 0))
    expect(m.targets.value.data?.[0]).toMatchObject({ name: 'Cáp quang xã Châu Khê (mới)', intervalS: 4 })
  })

  it('a refused edit keeps the form open and returns the server error', async () => {
    const api = stubApi({
      targets: async () => ({ ok: true, data: [row()] }),
      updateTarget: async () => ({ ok: false, error: { code: 'E_VALIDATION', message: 'intervalSeconds: Too small', path: 'intervalSeconds' } }),
    })
    const m = new SettingsModel({ api })
    await m.loadTargets()
    m.editTarget('chau-khe-line')
    const r = await m.updateTarget({ id: 'chau-khe-line', communeCode: 'CHAUKHE', kind: 'udp_echo', host: '10.1.2.3', role: 'line', intervalSeconds: 0, parents: [], options: {}, probeId: null, enabled: true })
    expect(r).toMatchObject({ ok: false, error: { code: 'E_VALIDATION' } })
    expect(m.targetDraft.value?.id).toBe('chau-khe-line')
    expect(m.savedTarget.value).toBeNull()
  })
})

describe('contactOf', () => {
  const probe = (lastSeenAt: string | null, silentAfterSeconds?: number): ProbeView => ({
    id: 'p1',
    name: 'ubnd-ky-son',
    location: 'UBND xã Kỳ Sơn',
    builtin: false,
    version: '1.0.0',
    lastSeenAt,
    spoolBatches: null,
    revoked: false,
    ...(silentAfterSeconds !== undefined && { silentAfterSeconds }),
  })
  const seen = Date.parse('2026-11-24T03:00:00Z')
  it('is online until the server’s silence limit passes, then silent; never before a first contact', () => {
    const p = probe(new Date(seen).toISOString(), 150)
    expect(contactOf(p, seen + 150_000)).toBe('online')
    expect(contactOf(p, seen + 150_001)).toBe('silent')
    expect(contactOf(probe(null, 150), seen)).toBe('never')
  })
  it('an older server that sends no limit: a minute', () => {
    const p = probe(new Date(seen).toISOString())
    expect(contactOf(p, seen + 60_000)).toBe('online')
    expect(contactOf(p, seen + 60_001)).toBe('silent')
  })
})
