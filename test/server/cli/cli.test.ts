import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli, type CliContext } from '../../../server/cli/run-cli'
import { openDatabase } from '../../../server/store/db'
import { Store } from '../../../server/store/store'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const MAIN = join(ROOT, 'server/cli/main.ts')
const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'xanh-cli-'))
  dirs.push(d)
  return d
}

/** Runs the real CLI in a child process (node + tsx), with XANH_DATA_DIR set. */
function xanh(dataDir: string, args: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', MAIN, ...args],
      { cwd: ROOT, env: { ...process.env, XANH_DATA_DIR: dataDir }, encoding: 'buffer' },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? -1 : 0
        resolve({ code, stdout, stderr: stderr.toString('utf8') })
      },
    )
  })
}

/** Runs the CLI in-process (flag handling and messages; no child process start-up). */
async function xanhInProcess(dataDir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const ctx: CliContext = {
    envDataDir: dataDir,
    cwd: dataDir,
    actor: 'cli:test',
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    stderrIsTTY: false,
  }
  const code = await runCli(args, ctx)
  return { code, stdout, stderr }
}

function countCommunes(dataDir: string): number {
  const { sqlite } = openDatabase(join(dataDir, 'xanh.db'))
  try {
    const row: unknown = sqlite.prepare('SELECT count(*) AS n FROM communes').get()
    return row && typeof row === 'object' && 'n' in row && typeof row.n === 'number' ? row.n : -1
  } finally {
    sqlite.close()
  }
}

const NAMES = ['Xã Diễn Châu', 'Phường Bến Thủy', 'Đặc khu Cồn Cỏ']
const GOOD =
  '\uFEFFMã xã,Tên xã,Loại,Vĩ độ,Kinh độ,Ghi chú\r\n' +
  `NA-01,${NAMES[0]},xã,18.97,105.59,"có dấu phẩy, và ""ngoặc"""\r\n` +
  `NA-02,${NAMES[1]},phường,18.65,105.7,\r\n` +
  `QT-01,${NAMES[2]},đặc khu,17.16,107.34,\r\n`
const BAD =
  'code,name,lat,lon\n' +
  'NA-09,Xã Mới,18.1,105.1\n' +
  'NA-10,Xã Sai,abc,105.1\n' + // line 3
  'NA-11,Xã Tốt,18.2,105.2\n' +
  'bad code,Xã Lỗi,18.3,105.3\n' // line 5

describe('xanh CLI (child process)', () => {
  it.concurrent('imports a good file, exports names byte-identical, and re-imports without change', async () => {
    const dir = tempDir()
    const file = join(dir, 'communes.csv')
    writeFileSync(file, GOOD)
    const imported = await xanh(dir, ['import', file])
    expect(imported.stderr).toBe('')
    expect(imported.code).toBe(0)
    expect(imported.stdout.toString()).toBe('imported 3 communes from communes.csv: 3 created, 0 updated, 0 unchanged\n')

    const exported = await xanh(dir, ['export', '--kind', 'communes'])
    expect(exported.code).toBe(0)
    expect(exported.stdout.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]))
    for (const name of NAMES) expect(exported.stdout.includes(Buffer.from(name, 'utf8'))).toBe(true)

    const again = join(dir, 'export.csv')
    writeFileSync(again, exported.stdout)
    const reimported = await xanh(dir, ['import', again, '--kind', 'communes'])
    expect(reimported.code).toBe(0)
    expect(reimported.stdout.toString()).toContain('0 created, 0 updated, 3 unchanged')
  })

  it.concurrent('rejects a bad file with exit 1, every bad line on stderr, database unchanged', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'communes.csv'), GOOD)
    expect((await xanh(dir, ['import', join(dir, 'communes.csv')])).code).toBe(0)
    const bad = join(dir, 'xa-moi.csv')
    writeFileSync(bad, BAD)
    const r = await xanh(dir, ['import', bad])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('E_IMPORT_INVALID')
    expect(r.stderr).toMatch(/^line 3: lat: /m)
    expect(r.stderr).toMatch(/^line 5: code: /m)
    expect(r.stdout.length).toBe(0)
    expect(countCommunes(dir)).toBe(3)
  })

  it.concurrent('--help exits 0', async () => {
    const r = await xanh(tempDir(), ['--help'])
    expect(r.code).toBe(0)
    expect(r.stdout.toString()).toContain('import FILE')
  })
})

describe('xanh CLI (in process)', () => {
  it.each([
    [['import', '--help'], '--kind K'],
    [['export', '--help'], '-o, --out FILE'],
    [['probe', '--help'], 'probe add NAME'],
    [['--help', 'import'], '--dry-run'],
  ])('%j prints help and exits 0', async (args, text) => {
    const r = await xanhInProcess(tempDir(), args)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(text)
  })

  it.each([
    [['export', '--kind', 'villages'], '--kind'],
    [['export', '--format', 'xlsx', '--kind', 'communes'], '--format'],
    [['export'], '--kind'],
    [['import', 'x.csv', '--bogus'], '--bogus'],
    [['import', 'x.csv', '--kind'], '--kind'],
    [['import'], 'FILE'],
    [['--data-dir'], '--data-dir'],
    [['frobnicate'], 'frobnicate'],
    [['probe', 'add', 'bad name!'], 'NAME'],
  ])('%j exits 2 naming %s', async (args, flag) => {
    const r = await xanhInProcess(tempDir(), args)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`error E_VALIDATION: ${flag}:`)
  })

  it('infers the kind from the headers and the format from the content', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'communes.csv'), GOOD)
    await xanhInProcess(dir, ['import', 'communes.csv'])
    writeFileSync(join(dir, 'data.txt'), 'Mã xã,Thôn/bản,Loại,Dân số\nNA-01,Bản Khe,no_mobile,120\n')
    const gaps = await xanhInProcess(dir, ['import', 'data.txt'])
    expect(gaps.stdout).toContain('imported 1 gaps')
    writeFileSync(join(dir, 'list'), 'targets:\n  - id: t1\n    commune_code: NA-01\n    kind: icmp\n    host: 10.0.0.1\n    role: line\n')
    const targets = await xanhInProcess(dir, ['import', 'list'])
    expect(targets.stdout).toContain('imported 1 targets')
  })

  it('asks for --kind when the file does not tell', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'data.csv'), 'name\nx\n')
    const r = await xanhInProcess(dir, ['import', 'data.csv'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--kind')
  })

  it('exports YAML to a file with -o', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'communes.csv'), GOOD)
    await xanhInProcess(dir, ['import', 'communes.csv'])
    const r = await xanhInProcess(dir, ['export', '--kind', 'communes', '-o', 'out.yaml'])
    expect(r.code).toBe(0)
    expect(readFileSync(join(dir, 'out.yaml'), 'utf8')).toContain(`name: ${NAMES[0]}`)
  })

  it('adds a probe showing its token once, refuses a duplicate name, lists probes', async () => {
    const dir = tempDir()
    const added = await xanhInProcess(dir, ['probe', 'add', 'nghe-an-dc', '--location', 'TTDL Nghệ An'])
    expect(added.code).toBe(0)
    expect(added.stdout).toMatch(/^token: xanh_p_\S+$/m)
    expect(added.stderr).toContain('shown only now')
    const dup = await xanhInProcess(dir, ['probe', 'add', 'nghe-an-dc'])
    expect(dup.code).toBe(1)
    expect(dup.stderr).toContain('E_CONFLICT')
    const list = await xanhInProcess(dir, ['probe', 'list'])
    expect(list.stdout).toMatch(/^nghe-an-dc\s+p-\S+\s+TTDL Nghệ An\s+never\s+-\s+active$/m)
    expect(list.stdout).not.toContain('xanh_p_')
  })

  it('rotates a token with a grace (--grace-seconds, default a day) and revokes both at once', async () => {
    const dir = tempDir()
    const added = await xanhInProcess(dir, ['probe', 'add', 'ky-son'])
    const first = /^token: (\S+)$/m.exec(added.stdout)?.[1] ?? ''
    const rotated = await xanhInProcess(dir, ['probe', 'rotate', 'ky-son'])
    expect(rotated.code).toBe(0)
    const second = /^token: (\S+)$/m.exec(rotated.stdout)?.[1] ?? ''
    expect(second).toMatch(/^xanh_p_/)
    expect(rotated.stderr).toMatch(/old token keeps working until (\S+)/)
    const until = Date.parse(/until (\S+);/.exec(rotated.stderr)?.[1] ?? '')
    expect(Math.abs(until - (Date.now() + 86_400_000))).toBeLessThan(60_000)
    const tokens = (): Array<string | undefined> => {
      const { sqlite, db } = openDatabase(join(dir, 'xanh.db'))
      try {
        const store = new Store(sqlite, db)
        return [first, second].map((t) => store.probeByToken(t)?.name)
      } finally {
        sqlite.close()
      }
    }
    expect(tokens()).toEqual(['ky-son', 'ky-son'])
    const now = await xanhInProcess(dir, ['probe', 'rotate', 'ky-son', '--grace-seconds', '0'])
    expect(now.stderr).toContain('the old token stops working now')
    expect(tokens()).toEqual([undefined, undefined])
    const third = /^token: (\S+)$/m.exec(now.stdout)?.[1] ?? ''
    await xanhInProcess(dir, ['probe', 'rotate', 'ky-son'])
    const revoked = await xanhInProcess(dir, ['probe', 'revoke', 'ky-son'])
    expect(revoked.code).toBe(0)
    expect(revoked.stdout).toContain('revoked')
    const { sqlite, db } = openDatabase(join(dir, 'xanh.db'))
    try {
      expect(new Store(sqlite, db).probeByToken(third)).toBeUndefined()
    } finally {
      sqlite.close()
    }
    expect((await xanhInProcess(dir, ['probe', 'list'])).stdout).toMatch(/^ky-son\s.*\srevoked$/m)
    expect((await xanhInProcess(dir, ['probe', 'rotate', 'nobody'])).stderr).toContain('E_NOT_FOUND')
    const bad = await xanhInProcess(dir, ['probe', 'rotate', 'ky-son', '--grace-seconds', 'soon'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--grace-seconds')
  })

  it('honours --data-dir over XANH_DATA_DIR', async () => {
    const envDir = tempDir()
    const flagDir = tempDir()
    writeFileSync(join(envDir, 'communes.csv'), GOOD)
    await xanhInProcess(envDir, ['--data-dir', flagDir, 'import', 'communes.csv'])
    expect(countCommunes(flagDir)).toBe(3)
    expect(countCommunes(envDir)).toBe(0)
  })
})

describe('xanh user', () => {
  it('adds an operator with a Vietnamese name and a generated password that signs in; lists, resets, disables', async () => {
    const dir = tempDir()
    const add = await xanhInProcess(dir, ['user', 'add', 'huong.nt', '--role', 'operator', '--display-name', 'Nguyễn Thị Hương'])
    expect(add.code).toBe(0)
    const password = /password: (\S+)/.exec(add.stdout)?.[1] as string
    expect(password.length).toBeGreaterThanOrEqual(12)
    expect(add.stderr).toMatch(/shown only now/)
    const { checkPassword } = await import('../../../server/auth')
    const opened = openDatabase(join(dir, 'xanh.db'))
    try {
      expect(checkPassword(new Store(opened.sqlite, opened.db), 'huong.nt', password)).toEqual({ username: 'huong.nt', role: 'operator' })
    } finally {
      opened.sqlite.close()
    }
    const list = await xanhInProcess(dir, ['user', 'list'])
    expect(list.stdout).toBe('huong.nt\toperator\tactive\t0 sessions\tNguyễn Thị Hương\n')
    // A password from a file (first line), then disabled: neither password works.
    writeFileSync(join(dir, 'pw.txt'), 'mat-khau-tu-tep-tin\n')
    expect((await xanhInProcess(dir, ['user', 'passwd', 'huong.nt', '--password-file', join(dir, 'pw.txt')])).code).toBe(0)
    expect((await xanhInProcess(dir, ['user', 'disable', 'huong.nt'])).stdout).toBe('user huong.nt disabled; 0 sessions ended\n')
    const reopened = openDatabase(join(dir, 'xanh.db'))
    try {
      const store = new Store(reopened.sqlite, reopened.db)
      expect(checkPassword(store, 'huong.nt', 'mat-khau-tu-tep-tin')).toBeUndefined()
      store.users.update('huong.nt', { disabledAt: null })
      expect(checkPassword(store, 'huong.nt', 'mat-khau-tu-tep-tin')).toBeDefined()
      const audit = reopened.sqlite.prepare("SELECT action FROM audit_log WHERE entity = 'user' ORDER BY id").pluck().all()
      expect(audit).toEqual(['create', 'reset-password', 'disable'])
    } finally {
      reopened.sqlite.close()
    }
  })

  it('refuses bad names, roles and short passwords with the flag, exit 2; a duplicate with exit 1', async () => {
    const dir = tempDir()
    const badName = await xanhInProcess(dir, ['user', 'add', 'hương', '--role', 'viewer'])
    expect(badName.code).toBe(2)
    expect(badName.stderr).toMatch(/^error E_VALIDATION: NAME: /)
    const badRole = await xanhInProcess(dir, ['user', 'add', 'lan', '--role', 'chief'])
    expect(badRole.code).toBe(2)
    expect(badRole.stderr).toMatch(/^error E_VALIDATION: --role: /)
    writeFileSync(join(dir, 'short.txt'), 'ngan\n')
    const short = await xanhInProcess(dir, ['user', 'add', 'lan', '--role', 'viewer', '--password-file', join(dir, 'short.txt')])
    expect(short.code).toBe(2)
    expect(short.stderr).toMatch(/--password-file: the password: at least 12 characters/)
    expect((await xanhInProcess(dir, ['user', 'add', 'lan', '--role', 'viewer'])).code).toBe(0)
    const dup = await xanhInProcess(dir, ['user', 'add', 'lan', '--role', 'viewer'])
    expect(dup.code).toBe(1)
    expect(dup.stderr).toMatch(/E_CONFLICT: user lan exists/)
    expect((await xanhInProcess(dir, ['user', '--help'])).stdout).toMatch(/^Usage: xanh user add NAME --role/)
  })
})
