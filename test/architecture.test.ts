import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
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

/** Packages that talk to the database: only server/store/ may import them. */
const DB_PACKAGES = /^(better-sqlite3|drizzle-orm)(\/|$)/
/** The names the store gives its handles: the better-sqlite3 connection and the drizzle database. */
const HANDLE_NAMES = new Set(['sqlite', 'db'])
/** A string that is an SQL statement (upper-case keywords, as every query of this code base is written). */
const SQL_TEXT = /\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+(OR\s+[A-Z]+\s+)?INTO\b|\bDELETE\s+FROM\b|\bUPDATE\s+\w+\s+SET\b|\bCREATE\s+(TABLE|INDEX)\b|\bPRAGMA\s+\w+/

/**
 * Where a file reaches past the store into the database, one line per finding. `file` is the
 * path from the repository root; relative specifiers resolve from it. Read from the syntax tree,
 * so comments and strings never name a handle: the data file's name (`'xanh.db'`) and the CLI's
 * `xanh db` command are words, not handles.
 */
export function storeBoundaryFindings(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS)
  const out: string[] = []
  const at = (node: ts.Node): string => `${file}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`
  const checkSpecifier = (node: ts.Node, spec: string): void => {
    if (DB_PACKAGES.test(spec)) out.push(`${at(node)} imports ${spec}`)
    else if (spec.startsWith('.') && /^server\/store\/schema(\.ts)?$/.test(relative(ROOT, resolve(ROOT, dirname(file), spec)).split(/[\\/]/).join('/'))) out.push(`${at(node)} imports the drizzle schema (${spec})`)
  }
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) checkSpecifier(node, node.moduleSpecifier.text)
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) checkSpecifier(node, node.argument.literal.text)
    else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      const arg = node.arguments[0]
      if (arg && ts.isStringLiteralLike(arg)) checkSpecifier(node, arg.text)
    } else if ((ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) && HANDLE_NAMES.has(node.text.replace(/^#/, '')) && !isObjectKey(node)) out.push(`${at(node)} names the database handle \`${node.text}\``)
    else if ((ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) && SQL_TEXT.test(node.text)) out.push(`${at(node)} holds raw SQL`)
    ts.forEachChild(node, visit)
  }
  visit(source)
  return out
}

/** `db` in `{ db: 'Usage: xanh db …' }` is a key (the CLI's help per command), not a handle; `{ db }` uses one. */
function isObjectKey(node: ts.Identifier | ts.PrivateIdentifier): boolean {
  return ts.isPropertyAssignment(node.parent) && node.parent.name === node
}

/** Product code the rule covers: every layer and the top-level entry files, minus the store itself. */
function productFiles(): string[] {
  const layers = LAYERS.flatMap((layer) => sourceFiles(join(ROOT, layer)))
  const entries = readdirSync(ROOT).filter((f) => /\.(ts|mts)$/.test(f)).map((f) => join(ROOT, f))
  return [...layers, ...entries].map((f) => relative(ROOT, f).split(/[\\/]/).join('/')).filter((f) => !f.startsWith('server/store/'))
}

describe('the store is the only way to the database (issue 14)', () => {
  it('finds every way past the store, and not words in comments or strings', () => {
    const bad = [
      "import Database from 'better-sqlite3'",
      "import { eq } from 'drizzle-orm'",
      "import { drizzle } from 'drizzle-orm/better-sqlite3'",
      "import type { ProbeRow } from '../store/schema'",
      "export { communes } from '../store/schema.ts'",
      "type Row = import('../store/schema').TargetRow",
      "const n = store.sqlite.pragma('data_version')",
      'store.db.delete(communes).run()',
      'const { sqlite, db } = openDatabase(file)',
      'return { store: new Store(sqlite, db) }',
      "const rows = run(`SELECT id FROM targets WHERE probe_id = ${'$'}{id}`)",
      "const stmt = prepare('INSERT OR IGNORE INTO results (id) VALUES (?)')",
    ].join('\n')
    expect(storeBoundaryFindings('server/routes/x.ts', bad)).toEqual([
      'server/routes/x.ts:1 imports better-sqlite3',
      'server/routes/x.ts:2 imports drizzle-orm',
      'server/routes/x.ts:3 imports drizzle-orm/better-sqlite3',
      'server/routes/x.ts:4 imports the drizzle schema (../store/schema)',
      'server/routes/x.ts:5 imports the drizzle schema (../store/schema.ts)',
      'server/routes/x.ts:6 imports the drizzle schema (../store/schema)',
      'server/routes/x.ts:7 names the database handle `sqlite`',
      'server/routes/x.ts:8 names the database handle `db`',
      'server/routes/x.ts:9 names the database handle `sqlite`',
      'server/routes/x.ts:9 names the database handle `db`',
      'server/routes/x.ts:10 names the database handle `sqlite`',
      'server/routes/x.ts:10 names the database handle `db`',
      'server/routes/x.ts:11 holds raw SQL',
      'server/routes/x.ts:12 holds raw SQL',
    ])
    const fine = [
      "import type { ProbeRow } from '../store/types'",
      "import { openDatabase } from './server/store/db'",
      '// store.db and store.sqlite are private to server/store/',
      "const opened = openDatabase(join(dataDir, 'xanh.db'))",
      "const help = 'xanh db stats: select rows from every table'",
      "if (command === 'db') runDb(args)",
      'opened.close()',
      "const dbName = 'schema'",
      "const help = { db: 'Usage: xanh db stats' }",
    ].join('\n')
    expect(storeBoundaryFindings('main.ts', fine)).toEqual([])
  })

  it(
    'no file outside server/store/ (server/, probes/, web/, protocol/, top-level *.ts) imports better-sqlite3, drizzle-orm or the drizzle schema, ' +
      'names the store\'s database handles (`sqlite`, `db`: `store.sqlite`, `opened.db`, `{ sqlite, db } = …`), or holds raw SQL; ' +
      'naming the data file (`xanh.db`) in a string is configuration, not a handle',
    () => {
      const files = productFiles()
      expect(files).toContain('main.ts')
      expect(files.some((f) => f.startsWith('server/store/'))).toBe(false)
      const violations = files.flatMap((f) => storeBoundaryFindings(f, readFileSync(join(ROOT, f), 'utf8')))
      expect(violations).toEqual([])
    },
  )
})
