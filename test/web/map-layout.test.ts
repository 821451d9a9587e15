import { describe, expect, it } from 'vitest'
import type { State } from '../../protocol'
import { groupMarkers, LABEL_ALL_ZOOM, MARKER_SIZE, markersOverlap, placeLabels, type Box, type MapPoint } from '../../web/src/map-layout'

const p = (code: string, name: string, state: State, x: number, y: number): MapPoint => ({ code, name, state, x, y })
const area = (a: Box, b: Box): number => Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y))
const WHOLE: Box = { x: 0, y: 0, w: 1000, h: 700 }

/** A seeded scatter of communes (like the demo's 130 over Nghệ An), one in `every` in trouble. */
function scatter(n: number, every = 2.5): MapPoint[] {
  let seed = 7
  const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647)
  const trouble: State[] = ['warning', 'critical', 'down', 'unknown']
  let t = 0
  return Array.from({ length: n }, (_, i) => {
    const state = Math.floor((i + 1) / every) > Math.floor(i / every) ? (trouble[t++ % trouble.length] as State) : 'ok'
    return p(`NA-${i}`, `Xã Nghĩa ${i}`, state, 30 + rnd() * 940, 30 + rnd() * 640)
  })
}

describe('groupMarkers', () => {
  it('keeps apart markers that do not touch, groups the ones that would overlap under the most severe', () => {
    const groups = groupMarkers([p('A', 'Yên Hòa', 'ok', 100, 100), p('B', 'Tam Quang', 'down', 104, 102), p('C', 'Kỳ Sơn', 'ok', 400, 300)], 1)
    expect(groups).toHaveLength(2)
    const g = groups.find((x) => x.members.length === 2)
    expect(g?.anchor.code).toBe('B')
    expect(g?.members.map((m) => m.code)).toEqual(['B', 'A'])
    // Zoomed in far enough, the two separate.
    expect(groupMarkers([p('A', 'Yên Hòa', 'ok', 100, 100), p('B', 'Tam Quang', 'down', 104, 102)], 12)).toHaveLength(2)
  })

  it('leaves no two drawn markers overlapping, at any zoom, and loses no commune', () => {
    const pts = scatter(400)
    for (const k of [1, 1.5, 2.25, 3, 6, 12]) {
      const groups = groupMarkers(pts, k)
      expect(groups.reduce((n, g) => n + g.members.length, 0)).toBe(pts.length)
      const clashes: string[] = []
      for (let i = 0; i < groups.length; i++) {
        const a = (groups[i] as { anchor: MapPoint }).anchor
        for (let j = i + 1; j < groups.length; j++) {
          const b = (groups[j] as { anchor: MapPoint }).anchor
          if (markersOverlap(a, b, k)) clashes.push(`${a.code}/${b.code}`)
        }
      }
      expect(clashes, `zoom ${k}`).toEqual([])
      if (k === 1) expect(groups.some((g) => g.members.length > 1)).toBe(true)
      // A group's anchor is its most severe member.
      const order: State[] = ['down', 'critical', 'warning', 'unknown', 'ok']
      for (const g of groups) for (const m of g.members) expect(order.indexOf(g.anchor.state)).toBeLessThanOrEqual(order.indexOf(m.state))
    }
  })

  it('draws down and unknown larger than warning and critical, and those larger than ok', () => {
    expect(Math.min(MARKER_SIZE.down, MARKER_SIZE.unknown)).toBeGreaterThan(Math.max(MARKER_SIZE.warning, MARKER_SIZE.critical))
    expect(Math.min(MARKER_SIZE.warning, MARKER_SIZE.critical)).toBeGreaterThan(MARKER_SIZE.ok)
  })
})

describe('placeLabels', () => {
  it('at the default zoom names every commune in trouble and no ok one', () => {
    const pts = scatter(130)
    const groups = groupMarkers(pts, 1)
    const labels = placeLabels(groups, 1, WHOLE)
    const labelled = new Set(labels.map((l) => l.code))
    for (const g of groups) expect(labelled.has(g.anchor.code)).toBe(g.anchor.state !== 'ok')
    // A group's label counts the others.
    const big = groups.find((g) => g.members.length > 1 && g.anchor.state !== 'ok')
    if (big) expect(labels.find((l) => l.code === big.anchor.code)?.text).toBe(`${big.anchor.name} +${big.members.length - 1}`)
  })

  it(`from zoom ×${LABEL_ALL_ZOOM} names every visible commune, and only visible ones`, () => {
    const pts = scatter(130)
    const k = LABEL_ALL_ZOOM
    const view: Box = { x: 300, y: 200, w: 1000 / k, h: 700 / k }
    const groups = groupMarkers(pts, k)
    const labels = placeLabels(groups, k, view)
    const visible = groups.filter((g) => g.anchor.x >= view.x && g.anchor.x <= view.x + view.w && g.anchor.y >= view.y && g.anchor.y <= view.y + view.h)
    expect(visible.length).toBeGreaterThan(5)
    expect(new Set(labels.map((l) => l.code))).toEqual(new Set(visible.map((g) => g.anchor.code)))
  })

  it('puts labels where they touch no other label when there is room, the left side when the right is taken', () => {
    // Two communes in a row: the right one's label would cover the left one's on its right side.
    const groups = groupMarkers([p('A', 'Mường Xén', 'down', 100, 100), p('B', 'Hữu Khuông', 'critical', 160, 100)], 1)
    const labels = placeLabels(groups, 1, WHOLE)
    expect(labels).toHaveLength(2)
    const [a, b] = labels.map((l) => l.box) as [Box, Box]
    expect(area(a, b)).toBe(0)
    // No label covers a marker either.
    for (const l of labels) for (const g of groups) expect(area(l.box, { x: g.anchor.x - 10, y: g.anchor.y - 10, w: 20, h: 20 })).toBe(0)
  })

  it('keeps overlaps between labels small over a dense province with a bad day (one in eight in trouble) at the default zoom', () => {
    const groups = groupMarkers(scatter(400, 8), 1)
    const labels = placeLabels(groups, 1, WHOLE)
    let overlap = 0
    let total = 0
    for (let i = 0; i < labels.length; i++) {
      total += (labels[i] as { box: Box }).box.w * (labels[i] as { box: Box }).box.h
      for (let j = i + 1; j < labels.length; j++) overlap += area((labels[i] as { box: Box }).box, (labels[j] as { box: Box }).box)
    }
    expect(labels.length).toBeGreaterThan(20)
    expect(overlap / total).toBeLessThan(0.05)
  })

  it('on a crowded map leaves names out rather than pile them, and names the worst first', () => {
    const pts = scatter(3000, 14)
    const groups = groupMarkers(pts, 1)
    const labels = placeLabels(groups, 1, WHOLE)
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) {
        const a = (labels[i] as { box: Box }).box
        const b = (labels[j] as { box: Box }).box
        expect(area(a, b)).toBeLessThanOrEqual(0.25 * Math.max(a.w * a.h, b.w * b.h) + 1e-9)
      }
    }
    const share = (st: State): number => {
      const of = groups.filter((g) => g.anchor.state === st)
      return of.filter((g) => labels.some((l) => l.code === g.anchor.code)).length / of.length
    }
    expect(labels.length).toBeLessThan(groups.filter((g) => g.anchor.state !== 'ok').length)
    expect(share('down')).toBeGreaterThan(share('warning'))
  })
})
