import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const LAYERS = ['protocol', 'server', 'probes', 'web'] as const
type Layer = (typeof LAYERS)[number]
/** Which top-level folders each layer may import (SPEC §1). */
const ALLOWED: Record<Layer, readonly Layer[]> = {
  protocol: [],
  server: ['protocol'],
  probes: ['protocol'],
  web: ['protocol'],
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name)
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'migrations' ? [] : sourceFiles(p)
    return /\.(ts|tsx|mts|js|mjs)$/.test(e.name) ? [p] : []
  })
}

/** Every module specifier in a file: static imports, re-exports, dynamic imports. */
export function specifiers(text: string): string[] {
  const out: string[] = []
  const re = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g
  for (const m of text.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3]) as string)
  return out
}

/** The top-level folder a relative specifier lands in, if it is one of the layers. */
function layerOf(fromFile: string, spec: string): Layer | 'outside' | undefined {
  if (!spec.startsWith('.')) return undefined
  const target = relative(ROOT, resolve(dirname(fromFile), spec))
  const top = target.split(/[\\/]/)[0] as string
  return (LAYERS as readonly string[]).includes(top) ? (top as Layer) : 'outside'
}

describe('dependency direction (SPEC §1)', () => {
  it('finds imports of every syntax', () => {
    expect(specifiers(`import a from '../server/x'\nexport { b } from "../probes/y"\nconst c = await import('../web/z')\nimport '../server/side'`)).toEqual([
      '../server/x',
      '../probes/y',
      '../web/z',
      '../server/side',
    ])
  })

  for (const layer of LAYERS) {
    it(`${layer}/ imports only ${ALLOWED[layer].join(', ') || 'zod and itself'}`, () => {
      const violations: string[] = []
      for (const file of sourceFiles(join(ROOT, layer))) {
        for (const spec of specifiers(readFileSync(file, 'utf8'))) {
          const target = layerOf(file, spec)
          if (target === undefined) {
            if (layer === 'protocol' && spec !== 'zod') violations.push(`${relative(ROOT, file)} → ${spec} (protocol imports only zod)`)
            continue
          }
          if (target !== layer && !ALLOWED[layer].includes(target as Layer)) violations.push(`${relative(ROOT, file)} → ${spec}`)
        }
      }
      expect(violations).toEqual([])
    })
  }
})
