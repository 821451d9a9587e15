import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { detectTools } from '../../probes/tools'

describe('detectTools', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xanh-tools-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('finds nothing on an empty path and says icmp cannot run', () => {
    expect(detectTools(join(dir, 'missing'))).toEqual({
      fping: undefined,
      ping: undefined,
      unavailable: ['icmp: neither fping nor ping is installed on this agent'],
    })
  })

  it('finds executables along the path, first match wins, non-executables are skipped', () => {
    const a = mkdtempSync(join(dir, 'a-'))
    const b = mkdtempSync(join(dir, 'b-'))
    writeFileSync(join(a, 'fping'), 'not executable')
    writeFileSync(join(b, 'fping'), '#!/bin/sh\n')
    chmodSync(join(b, 'fping'), 0o755)
    const tools = detectTools([a, b].join(delimiter))
    expect(tools).toEqual({ fping: join(b, 'fping'), ping: undefined, unavailable: [] })
  })
})
