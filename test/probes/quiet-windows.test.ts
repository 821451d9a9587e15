import { describe, expect, it } from 'vitest'
import { createQuietSchedule } from '../../probes/quiet-windows'

// Asia/Ho_Chi_Minh is UTC+7: 2026-01-05 is a Monday, 08:00 local = 01:00Z.
const local = (isoLocal: string) => Date.parse(`${isoLocal}+07:00`)

describe('quiet windows', () => {
  const weekdayMornings = createQuietSchedule([{ from: '07:30', to: '11:30', days: [1, 2, 3, 4, 5] }])

  it.each([
    ['2026-01-05T08:00:00', '2026-01-05T11:30:00'],
    ['2026-01-05T07:30:00', '2026-01-05T11:30:00'],
    ['2026-01-05T11:29:59.500', '2026-01-05T11:30:00'],
    ['2026-01-09T10:00:00', '2026-01-09T11:30:00'], // Friday
  ])('at %s (local) is quiet until %s', (at, until) => {
    expect(weekdayMornings.quietUntil(local(at))).toBe(local(until))
  })

  it.each(['2026-01-05T07:29:59', '2026-01-05T11:30:00', '2026-01-10T08:00:00' /* Saturday */, '2026-01-05T20:00:00'])('at %s (local) is not quiet', (at) => {
    expect(weekdayMornings.quietUntil(local(at))).toBeUndefined()
  })

  it('a window past midnight belongs to the day it starts on', () => {
    const fridayNight = createQuietSchedule([{ from: '22:00', to: '02:00', days: [5] }])
    expect(fridayNight.quietUntil(local('2026-01-09T23:00:00'))).toBe(local('2026-01-10T02:00:00'))
    expect(fridayNight.quietUntil(local('2026-01-10T01:00:00'))).toBe(local('2026-01-10T02:00:00'))
    expect(fridayNight.quietUntil(local('2026-01-11T01:00:00'))).toBeUndefined() // Saturday night
    expect(fridayNight.quietUntil(local('2026-01-09T21:59:00'))).toBeUndefined()
  })

  it('windows that touch or overlap are one quiet stretch', () => {
    const s = createQuietSchedule([
      { from: '07:00', to: '08:00' },
      { from: '08:00', to: '09:00' },
      { from: '08:30', to: '10:15' },
    ])
    expect(s.quietUntil(local('2026-01-05T07:10:00'))).toBe(local('2026-01-05T10:15:00'))
  })

  it('a whole day is 00:00–24:00', () => {
    const sundays = createQuietSchedule([{ from: '00:00', to: '24:00', days: [7] }])
    expect(sundays.quietUntil(local('2026-01-11T13:00:00'))).toBe(local('2026-01-12T00:00:00'))
  })

  it('uses the given time zone', () => {
    const utc = createQuietSchedule([{ from: '07:30', to: '11:30' }], 'UTC')
    expect(utc.quietUntil(Date.parse('2026-01-05T08:00:00Z'))).toBe(Date.parse('2026-01-05T11:30:00Z'))
    expect(utc.quietUntil(local('2026-01-05T08:00:00'))).toBeUndefined()
  })

  it.each([
    [{ from: '7:30', to: '11:30' }, 'quietWindows[0].from: HH:MM'],
    [{ from: '24:00', to: '11:30' }, 'quietWindows[0].from'],
    [{ from: '08:00', to: '08:00' }, 'quietWindows[0]: from and to must differ'],
    [{ from: '08:00', to: '09:00', days: [0] }, 'quietWindows[0].days.0'],
    [{ from: '08:00', to: '09:00', extra: 1 }, 'quietWindows[0]'],
  ])('rejects %j', (w, message) => {
    expect(() => createQuietSchedule([w])).toThrow(message)
  })

  it('rejects an unknown time zone', () => {
    expect(() => createQuietSchedule([], 'Mars/Olympus')).toThrow('unknown time zone "Mars/Olympus"')
  })
})
