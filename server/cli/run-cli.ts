/**
 * The `xanh` admin command line: inventory import/export, probe registration and users, against the
 * SQLite file in the data directory. Everything but argv, env and the process streams comes
 * through {@link CliContext}, so tests run it in-process.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { Password, ProbeInput, UserRole, Username } from '../../protocol'
import { hashPassword } from '../auth'
import { DEFAULT_ROTATION_GRACE_SECONDS } from '../config'
import { AppError } from '../errors'
import { detectFormat, detectKind } from '../inventory/detect'
import { exportInventory } from '../inventory/export'
import { InventoryFormat, InventoryKind } from '../inventory/fields'
import { importInventory, PROGRESS_EVERY } from '../inventory/import'
import { openDatabase } from '../store/db'
import { formatBytes } from '../store/stats'
import { Store } from '../store/store'

/** What the CLI needs from its process. */
export interface CliContext {
  /** `XANH_DATA_DIR`, if set. */
  envDataDir: string | undefined
  /** Directory relative paths resolve against. */
  cwd: string
  /** Audit actor, e.g. `cli:root`. */
  actor: string
  stdout: (text: string) => void
  stderr: (text: string) => void
  /** Progress lines are drawn only on a terminal. */
  stderrIsTTY: boolean
}

/** Exit codes: success, a failed operation (invalid file, name taken), bad usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const

/** Name of the SQLite file inside the data directory. */
export const DB_FILE = 'xanh.db'

const HELP = {
  main: `xanh — Xanh inventory and probe administration

Usage: npm run xanh -- [--data-dir DIR] <command> [options]

Commands:
  import FILE       import communes, targets or coverage gaps from CSV or YAML
  export            write one inventory table as CSV or YAML
  probe add NAME    register a probe and print its token (shown only once)
  probe list        list registered probes
  probe rotate P    give probe P (name or id) a new token; the old one works for a grace
  probe revoke P    stop probe P's tokens at once
  user add NAME     create a dashboard user (viewer, operator or admin)
  user list         list users, their roles and whether they can sign in
  user passwd NAME  set a user's password (ends their sessions)
  user disable NAME stop a user at once ("user enable" undoes it)
  db stats          rows and size of every table
  db backup FILE    consistent copy of the database, safe while the server runs

Options:
  --data-dir DIR    data directory; default $XANH_DATA_DIR, else ./data. The database is DIR/${DB_FILE}
  -h, --help        this help; "xanh <command> --help" for a command

Exit status: 0 success, 1 the operation failed (nothing changed), 2 bad usage.
`,
  import: `Usage: xanh import FILE [--kind communes|targets|gaps] [--format csv|yaml] [--dry-run]

Imports the whole file or nothing. Every row is validated first; if any row is bad, every bad
row is printed as "line N: field: message" on stderr, the database is left unchanged and the
exit status is 1. Rows are matched to stored ones (communes by code, targets by id, gaps by
commune + hamlet + kind): new ones are created, changed ones updated, equal ones left alone.
Import communes before the targets and gaps that refer to them.

CSV: UTF-8 (a BOM is fine), comma or semicolon separated, first row the headers. Headers are
the English field names (see "xanh export") or Vietnamese ones, with or without diacritics
("Mã xã", "Tên xã", "Vĩ độ", "Kinh độ", "Băng thông (Mbps)", "Thôn/bản", "Dân số"…).
An empty cell takes the default. Target "parents" are ;-separated ids, "options" a JSON object.
YAML: a list of mappings with the same keys, or { communes: [...] } (targets:, gaps:).

Options:
  --kind K          communes, targets or gaps. When omitted: a YAML "communes:"/"targets:"/"gaps:"
                    key; else the one kind whose columns the headers all name; else a word in the
                    file name (communes/xa, targets/muc-tieu, gaps/vung-lom).
  --format F        csv or yaml. When omitted: from the extension (.csv, .yaml/.yml), else yaml
                    when the first line looks like YAML ("- …" or "key:"), else csv.
  --dry-run         validate against the database and report what would change; write nothing
  --data-dir DIR    see "xanh --help"
`,
  export: `Usage: xanh export --kind communes|targets|gaps [--format csv|yaml] [-o FILE]

Writes one inventory table with English headers, ready to edit and import again. CSV is UTF-8
with a BOM and CRLF line ends, so Excel shows Vietnamese names correctly.

Options:
  --kind K          communes, targets or gaps (required)
  --format F        csv or yaml; default from -o's extension, else csv
  -o, --out FILE    write to FILE instead of stdout
  --data-dir DIR    see "xanh --help"
`,
  probe: `Usage: xanh probe add NAME [--location L]
       xanh probe list
       xanh probe rotate NAME|ID [--grace-seconds N]
       xanh probe revoke NAME|ID

  probe add NAME    register a remote probe; prints its id and bearer token. The token is shown
                    only this once (the server keeps a hash): put it in the probe's config.
  probe list        name, id, location, last seen, version and status of every probe
  probe rotate P    prints a new token for probe P (shown only this once). The old token keeps
                    working for the grace (--grace-seconds), so the agent can be switched without
                    losing results; then only the new one works. A revoked probe becomes active
                    again with the new token; its old token never comes back.
  probe revoke P    both of probe P's tokens (the current one, and an old one still in its
                    grace) stop working at once; "probe rotate" gives it a new one

Options:
  --location L      where the probe runs (a province data centre or a commune); default empty
  --grace-seconds N how long the old token keeps working after "rotate"; default ${DEFAULT_ROTATION_GRACE_SECONDS}
                    (a day; the CLI does not read the server's YAML, so pass the value of
                    probes.rotationGraceSeconds if you changed it); 0 = the old token stops now
  --data-dir DIR    see "xanh --help"
`,
  user: `Usage: xanh user add NAME --role viewer|operator|admin [--display-name "Họ Tên"] [--password-file F]
       xanh user list
       xanh user passwd NAME [--password-file F]
       xanh user disable NAME
       xanh user enable NAME

  user add NAME     a dashboard user: NAME of letters a-z, digits, ".", "_" or "-"; the role says
                    what they may do (viewer reads, operator also acknowledges and silences, admin
                    administers). Without --password-file a password is generated and printed
                    once: give it to the person through a private channel.
  user list         name, role, full name, disabled or not, live sessions
  user passwd NAME  a new password (from --password-file, else generated and printed once); the
                    user's sessions end
  user disable NAME the user cannot sign in any more and their sessions end at once; the last
                    active admin cannot be disabled
  user enable NAME  undoes "disable"

Options:
  --role R            viewer, operator or admin (user add)
  --display-name N    the person's name as colleagues know it, Vietnamese with diacritics
  --password-file F   read the password (12+ characters, first line) from F; "-" reads stdin
  --data-dir DIR      see "xanh --help"
`,
  db: `Usage: xanh db stats
       xanh db backup FILE [--force]

  db stats          rows (exact) and bytes on disk (table and its indexes) of every table,
                    largest first, then the file size, free pages and the rollup backlog.
                    Reads the whole file; safe while the server runs.
  db backup FILE    copies the database with SQLite's online backup API as one consistent
                    snapshot while the server keeps ingesting (WAL). Written to FILE.partial,
                    renamed when complete. Restore: stop the server, put FILE in place of
                    DIR/${DB_FILE} (and delete ${DB_FILE}-wal and ${DB_FILE}-shm), start it.

Options:
  --force           overwrite FILE if it exists
  --data-dir DIR    see "xanh --help"
`,
} as const

/** A usage error: exit 2 with an `E_VALIDATION` line naming the flag. */
class UsageError extends Error {
  constructor(
    readonly flag: string,
    message: string,
    readonly help: keyof typeof HELP,
  ) {
    super(message)
  }
}

const DataDirFlag = z.string().min(1, 'must not be empty').optional()

const ImportFlags = z.strictObject({
  kind: InventoryKind.optional(),
  format: InventoryFormat.optional(),
  'dry-run': z.boolean().default(false),
  'data-dir': DataDirFlag,
  help: z.boolean().default(false),
})
const ExportFlags = z.strictObject({
  kind: InventoryKind.optional(),
  format: InventoryFormat.optional(),
  out: z.string().min(1, 'must not be empty').optional(),
  'data-dir': DataDirFlag,
  help: z.boolean().default(false),
})
const DbFlags = z.strictObject({
  force: z.boolean().default(false),
  'data-dir': DataDirFlag,
  help: z.boolean().default(false),
})
const ProbeFlags = z.strictObject({
  location: z.string().max(200).optional(),
  'grace-seconds': z.coerce
    .number()
    .int('a whole number of seconds')
    .min(0)
    .max(30 * 86400)
    .optional(),
  'data-dir': DataDirFlag,
  help: z.boolean().default(false),
})

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>

const COMMON_OPTIONS: OptionSpec = { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } }

/** Runs `parseArgs` strictly, then the zod schema; any problem becomes a {@link UsageError}. */
function parseFlags<S extends z.ZodType>(
  args: string[],
  options: OptionSpec,
  schema: S,
  help: keyof typeof HELP,
): { flags: z.output<S>; positionals: string[] } {
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({ args, options: { ...COMMON_OPTIONS, ...options }, strict: true, allowPositionals: true })
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    const flag = /'(-[^' ]+)/.exec(message)?.[1] ?? '(arguments)'
    const code = e instanceof Error && 'code' in e ? e.code : undefined
    throw new UsageError(flag, code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? 'unknown option' : code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? 'needs a value' : message, help)
  }
  const result = schema.safeParse(parsed.values)
  if (!result.success) {
    const issue = result.error.issues[0]
    const key = issue?.path[0]
    throw new UsageError(key === undefined ? '(arguments)' : `--${String(key)}`, issue?.message ?? 'invalid', help)
  }
  return { flags: result.data, positionals: parsed.positionals }
}

function errorLine(code: string, message: string): string {
  return `error ${code}: ${message}\n`
}

/** Opens (creating if needed) the data directory's database. */
function openStore(ctx: CliContext, flagDir: string | undefined): { store: Store; close: () => void } {
  const dir = resolve(ctx.cwd, flagDir ?? ctx.envDataDir ?? './data')
  mkdirSync(dir, { recursive: true })
  const opened = openDatabase(join(dir, DB_FILE))
  return { store: Store.fromOpened(opened), close: opened.close }
}

function withStore<T>(ctx: CliContext, flagDir: string | undefined, fn: (store: Store) => T): T {
  const { store, close } = openStore(ctx, flagDir)
  try {
    return fn(store)
  } finally {
    close()
  }
}

function runImport(args: string[], ctx: CliContext, globalDir: string | undefined): number {
  const { flags, positionals } = parseFlags(
    args,
    { kind: { type: 'string' }, format: { type: 'string' }, 'dry-run': { type: 'boolean' } },
    ImportFlags,
    'import',
  )
  if (flags.help) {
    ctx.stdout(HELP.import)
    return EXIT.ok
  }
  if (positionals.length !== 1) throw new UsageError('FILE', positionals.length === 0 ? 'required: the file to import' : 'only one file per import', 'import')
  const file = positionals[0] ?? ''
  let text: string
  try {
    text = readFileSync(resolve(ctx.cwd, file), 'utf8')
  } catch (e) {
    ctx.stderr(errorLine('E_NOT_FOUND', `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`))
    return EXIT.failed
  }
  const format = flags.format ?? detectFormat(file, text)
  const kind = flags.kind ?? detectKind(file, text, format)
  if (!kind) throw new UsageError('--kind', `cannot tell whether ${basename(file)} holds communes, targets or gaps; pass --kind`, 'import')

  let progressShown = false
  const onProgress = ctx.stderrIsTTY
    ? (done: number, total: number): void => {
        if (done < PROGRESS_EVERY) return
        progressShown = true
        ctx.stderr(`\r${done}/${total} rows${done === total ? '\n' : ''}`)
      }
    : undefined

  return withStore(ctx, flags['data-dir'] ?? globalDir, (store) => {
    try {
      const report = importInventory(store, text, { kind, format, actor: ctx.actor, dryRun: flags['dry-run'], ...(onProgress ? { onProgress } : {}) })
      const verb = flags['dry-run'] ? 'would import' : 'imported'
      ctx.stdout(
        `${verb} ${report.rows} ${kind} from ${basename(file)}: ${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged\n`,
      )
      return EXIT.ok
    } catch (e) {
      if (progressShown) ctx.stderr('\n')
      if (!(e instanceof AppError) || e.code !== 'E_IMPORT_INVALID') throw e
      ctx.stderr(errorLine(e.code, `${basename(file)} (${format}, ${kind}): ${e.message}; nothing was imported`))
      for (const issue of e.issues ?? []) ctx.stderr(`line ${issue.line ?? '?'}: ${issue.path}: ${issue.message}\n`)
      return EXIT.failed
    }
  })
}

function runExport(args: string[], ctx: CliContext, globalDir: string | undefined): number {
  const { flags, positionals } = parseFlags(
    args,
    { kind: { type: 'string' }, format: { type: 'string' }, out: { type: 'string', short: 'o' } },
    ExportFlags,
    'export',
  )
  if (flags.help) {
    ctx.stdout(HELP.export)
    return EXIT.ok
  }
  if (positionals.length > 0) throw new UsageError(positionals[0] ?? '', 'unexpected argument', 'export')
  if (!flags.kind) throw new UsageError('--kind', 'required: communes, targets or gaps', 'export')
  const kind = flags.kind
  const format = flags.format ?? (flags.out && /\.ya?ml$/i.test(flags.out) ? 'yaml' : 'csv')
  const text = withStore(ctx, flags['data-dir'] ?? globalDir, (store) => exportInventory(store, kind, format))
  if (flags.out) {
    writeFileSync(resolve(ctx.cwd, flags.out), text)
    ctx.stderr(`wrote ${kind} to ${flags.out}\n`)
  } else {
    ctx.stdout(text)
  }
  return EXIT.ok
}

/**
 * Parses a command that has subcommands (`probe add …`, `user list`, `db stats`): `--help`
 * prints its help (exit 0), no subcommand prints it on stderr (exit 2); else the flags, the
 * subcommand, its arguments and the data directory.
 */
function subcommand<S extends z.ZodType<{ help: boolean; 'data-dir'?: string | undefined }>>(
  args: string[],
  ctx: CliContext,
  globalDir: string | undefined,
  options: OptionSpec,
  schema: S,
  help: 'probe' | 'user' | 'db',
): { exit: number } | { flags: z.output<S>; sub: string; rest: string[]; dir: string | undefined } {
  const { flags, positionals } = parseFlags(args, options, schema, help)
  const [sub, ...rest] = positionals
  if (flags.help) {
    ctx.stdout(HELP[help])
    return { exit: EXIT.ok }
  }
  if (sub === undefined) {
    ctx.stderr(HELP[help])
    return { exit: EXIT.usage }
  }
  return { flags, sub, rest, dir: flags['data-dir'] ?? globalDir }
}

const UserFlags = z.strictObject({
  role: UserRole.optional(),
  'display-name': z.string().trim().max(100).optional(),
  'password-file': z.string().min(1).optional(),
  'data-dir': DataDirFlag,
  help: z.boolean().default(false),
})

/** The password of `--password-file` (first line; "-" = stdin), or a generated one to print. */
function passwordFrom(ctx: CliContext, file: string | undefined): { password: string; generated: boolean } {
  if (file === undefined) return { password: randomBytes(12).toString('base64url'), generated: true }
  let text: string
  try {
    text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(resolve(ctx.cwd, file), 'utf8')
  } catch (e) {
    throw new AppError('E_NOT_FOUND', `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`)
  }
  const password = (text.split(/\r?\n/)[0] ?? '').replace(/^\ufeff/, '')
  const ok = Password.safeParse(password)
  if (!ok.success) throw new UsageError('--password-file', `the password: ${ok.error.issues[0]?.message ?? 'invalid'}`, 'user')
  return { password, generated: false }
}

function runUser(args: string[], ctx: CliContext, globalDir: string | undefined): number {
  const cmd = subcommand(args, ctx, globalDir, { role: { type: 'string' }, 'display-name': { type: 'string' }, 'password-file': { type: 'string' } }, UserFlags, 'user')
  if ('exit' in cmd) return cmd.exit
  const { flags, sub, rest, dir } = cmd
  const nameArg = (): string => {
    if (rest.length !== 1) throw new UsageError('NAME', rest.length === 0 ? 'required: the user name' : 'one name only', 'user')
    const name = Username.safeParse(rest[0])
    if (!name.success) throw new UsageError('NAME', name.error.issues[0]?.message ?? 'invalid', 'user')
    return name.data
  }
  const now = Date.now()
  switch (sub) {
    case 'add': {
      const username = nameArg()
      if (!flags.role) throw new UsageError('--role', 'required: viewer, operator or admin', 'user')
      const role = flags.role
      const { password, generated } = passwordFrom(ctx, flags['password-file'])
      return withStore(ctx, dir, (store) => {
        if (!store.users.create({ username, displayName: flags['display-name'] ?? '', role, passwordHash: hashPassword(password) }, now)) {
          throw new AppError('E_CONFLICT', `user ${username} exists`)
        }
        store.audit(ctx.actor, 'create', 'user', username, undefined, { after: { username, displayName: flags['display-name'] ?? '', role, disabled: false } })
        ctx.stdout(`user ${username} created (${role})${generated ? `\npassword: ${password}` : ''}\n`)
        if (generated) ctx.stderr('warning: this password is shown only now; give it to the person through a private channel\n')
        return EXIT.ok
      })
    }
    case 'list': {
      if (rest.length > 0) throw new UsageError(rest[0] ?? '', 'unexpected argument', 'user')
      return withStore(ctx, dir, (store) => {
        const rows = store.users.list()
        for (const u of rows) {
          const live = store.users.sessions(u.username, now).length
          ctx.stdout(`${u.username}\t${u.role}\t${u.disabledAt === null ? 'active' : 'disabled'}\t${live} sessions\t${u.displayName}\n`)
        }
        if (rows.length === 0) ctx.stderr('no users yet: the server creates "admin" at its first start\n')
        return EXIT.ok
      })
    }
    case 'passwd': {
      const username = nameArg()
      const { password, generated } = passwordFrom(ctx, flags['password-file'])
      return withStore(ctx, dir, (store) => {
        if (!store.users.setPassword(username, hashPassword(password), now)) throw new AppError('E_NOT_FOUND', `no user ${username}`)
        const ended = store.users.revokeAllSessions(username, now)
        store.audit(ctx.actor, 'reset-password', 'user', username, { endedSessions: ended })
        ctx.stdout(`password of ${username} set; ${ended} sessions ended${generated ? `\npassword: ${password}` : ''}\n`)
        return EXIT.ok
      })
    }
    case 'disable':
    case 'enable': {
      const username = nameArg()
      return withStore(ctx, dir, (store) => {
        const u = store.users.get(username)
        if (!u) throw new AppError('E_NOT_FOUND', `no user ${username}`)
        if (sub === 'disable' && u.role === 'admin' && u.disabledAt === null && store.users.activeAdmins() <= 1) throw new AppError('E_CONFLICT', `${username} is the last active admin`)
        store.users.update(username, { disabledAt: sub === 'disable' ? (u.disabledAt ?? now) : null })
        const ended = sub === 'disable' ? store.users.revokeAllSessions(username, now) : 0
        store.audit(ctx.actor, sub, 'user', username, sub === 'disable' ? { endedSessions: ended } : undefined)
        ctx.stdout(`user ${username} ${sub}d${sub === 'disable' ? `; ${ended} sessions ended` : ''}\n`)
        return EXIT.ok
      })
    }
    default:
      throw new UsageError(sub, 'unknown user command (add, list, passwd, disable, enable)', 'user')
  }
}

function runProbe(args: string[], ctx: CliContext, globalDir: string | undefined): number {
  const cmd = subcommand(args, ctx, globalDir, { location: { type: 'string' }, 'grace-seconds': { type: 'string' } }, ProbeFlags, 'probe')
  if ('exit' in cmd) return cmd.exit
  const { flags, sub, rest, dir } = cmd
  if (sub === 'add') {
    if (rest.length !== 1) throw new UsageError('NAME', rest.length === 0 ? 'required: the probe name' : 'one name only', 'probe')
    const input = ProbeInput.safeParse({ name: rest[0], location: flags.location ?? '' })
    if (!input.success) {
      const issue = input.error.issues[0]
      throw new UsageError(issue?.path[0] === 'location' ? '--location' : 'NAME', issue?.message ?? 'invalid', 'probe')
    }
    return withStore(ctx, dir, (store) => {
      const { probe, token } = store.createProbe(input.data.name, input.data.location)
      store.audit(ctx.actor, 'create', 'probe', probe.id)
      ctx.stdout(`probe ${probe.name} created, id ${probe.id}\ntoken: ${token}\n`)
      ctx.stderr('warning: this token is shown only now and cannot be retrieved later; put it in the probe config (rotating it makes a new one)\n')
      return EXIT.ok
    })
  }
  if (sub === 'list') {
    if (rest.length > 0) throw new UsageError(rest[0] ?? '', 'unexpected argument', 'probe')
    return withStore(ctx, dir, (store) => {
      const rows = store.listProbes().map((p) => [
        p.name,
        p.id,
        p.location || '-',
        p.lastSeenAt === null ? 'never' : new Date(p.lastSeenAt).toISOString().replace(/\.\d+Z$/, 'Z'),
        p.version ?? '-',
        p.revokedAt !== null ? 'revoked' : p.builtin ? 'builtin' : 'active',
      ])
      if (rows.length === 0) {
        ctx.stdout('no probes (add one with "xanh probe add NAME")\n')
        return EXIT.ok
      }
      const table = [['NAME', 'ID', 'LOCATION', 'LAST SEEN', 'VERSION', 'STATUS'], ...rows]
      const widths = table[0]?.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length))) ?? []
      for (const r of table) ctx.stdout(r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd() + '\n')
      return EXIT.ok
    })
  }
  if (sub === 'rotate' || sub === 'revoke') {
    if (rest.length !== 1) throw new UsageError('NAME|ID', rest.length === 0 ? 'required: the probe name or id' : 'one probe only', 'probe')
    if (sub === 'revoke' && flags['grace-seconds'] !== undefined) throw new UsageError('--grace-seconds', 'only for "probe rotate"', 'probe')
    const which = rest[0] ?? ''
    return withStore(ctx, dir, (store) => {
      const probe = store.getProbeByName(which) ?? store.getProbe(which)
      if (!probe) throw new AppError('E_NOT_FOUND', `no probe named ${which} or with that id (see "xanh probe list")`)
      // The embedded probe's token lives in the server's memory and is replaced at every start.
      if (probe.builtin) throw new AppError('E_CONFLICT', `${probe.name} is the server's embedded probe: its token is replaced at every start (turn it off with embeddedProbe: false)`)
      const now = Date.now()
      if (sub === 'revoke') {
        store.revokeProbe(probe.id, now)
        store.audit(ctx.actor, 'revoke', 'probe', probe.id)
        ctx.stdout(`probe ${probe.name} revoked: its tokens stop working now ("xanh probe rotate ${probe.name}" gives it a new one)\n`)
        return EXIT.ok
      }
      const graceSeconds = flags['grace-seconds'] ?? DEFAULT_ROTATION_GRACE_SECONDS
      const token = store.rotateProbeToken(probe.id, graceSeconds * 1000, now)
      const until = store.getProbe(probe.id)?.previousTokenValidUntil ?? null
      store.audit(ctx.actor, 'rotate-token', 'probe', probe.id, { graceSeconds })
      ctx.stdout(`probe ${probe.name} has a new token, id ${probe.id}\ntoken: ${token}\n`)
      ctx.stderr(
        until === null
          ? 'the old token stops working now; this one is shown only now: put it in the probe config\n'
          : `the old token keeps working until ${new Date(until).toISOString()}; put this one (shown only now) in the probe config before then\n`,
      )
      return EXIT.ok
    })
  }
  throw new UsageError(sub, 'unknown probe command (add, list, rotate, revoke)', 'probe')
}

async function runDb(args: string[], ctx: CliContext, globalDir: string | undefined): Promise<number> {
  const cmd = subcommand(args, ctx, globalDir, { force: { type: 'boolean' } }, DbFlags, 'db')
  if ('exit' in cmd) return cmd.exit
  const { flags, sub, rest, dir } = cmd
  if (sub === 'stats') {
    if (rest.length > 0) throw new UsageError(rest[0] ?? '', 'unexpected argument', 'db')
    return withStore(ctx, dir, (store) => {
      const stats = store.database.stats()
      const rows = stats.tables.map((t) => [t.table, t.rows.toLocaleString('en'), formatBytes(t.dataBytes), formatBytes(t.indexBytes), formatBytes(t.dataBytes + t.indexBytes)])
      const table = [['TABLE', 'ROWS', 'DATA', 'INDEXES', 'TOTAL'], ...rows]
      const widths = table[0]?.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length))) ?? []
      for (const r of table) ctx.stdout(r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ') + '\n')
      const backlog = store.rollupBacklog()
      const open = store.results.facts()
      ctx.stdout(
        `\nfile ${formatBytes(stats.fileBytes)} (${stats.pages.toLocaleString('en')} pages of ${stats.pageSize} B, ${stats.freePages.toLocaleString('en')} free and reused before the file grows)\n` +
          `rollup backlog: ${backlog.toLocaleString('en')} results not yet in rollups_5m/rollups_1h\n` +
          `stored results: ${store.countResults().toLocaleString('en')} (chunks; ${open.logRows.toLocaleString('en')} batches in the log)\n`,
      )
      return EXIT.ok
    })
  }
  if (sub === 'backup') {
    if (rest.length !== 1) throw new UsageError('FILE', rest.length === 0 ? 'required: where to write the copy' : 'one file only', 'db')
    const file = resolve(ctx.cwd, rest[0] ?? '')
    if (existsSync(file) && !flags.force) {
      ctx.stderr(errorLine('E_CONFLICT', `${rest[0]} exists; pass --force to overwrite it`))
      return EXIT.failed
    }
    const { store, close } = openStore(ctx, dir)
    try {
      const started = Date.now()
      const copy = await store.database.backup(file)
      ctx.stdout(`backup written to ${rest[0]}: ${formatBytes(copy.bytes)} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
      return EXIT.ok
    } finally {
      close()
    }
  }
  throw new UsageError(sub, 'unknown db command (stats, backup)', 'db')
}

/**
 * Runs one CLI invocation.
 * @param argv arguments after the script name, e.g. `['import', 'communes.csv']`
 * @returns the exit status ({@link EXIT}); never throws for user errors, which are printed to
 *   `ctx.stderr` as `error E_…: …`
 */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  // Global options come before the command; the command parses the rest (which may repeat --data-dir).
  let i = 0
  let globalDir: string | undefined
  let help = false
  try {
    for (; i < argv.length; i++) {
      const a = argv[i] ?? ''
      if (a === '-h' || a === '--help') help = true
      else if (a === '--data-dir') {
        const v = argv[++i]
        if (v === undefined || v === '') throw new UsageError('--data-dir', 'needs a value', 'main')
        globalDir = v
      } else if (a.startsWith('--data-dir=')) {
        globalDir = a.slice('--data-dir='.length)
        if (globalDir === '') throw new UsageError('--data-dir', 'needs a value', 'main')
      } else if (a.startsWith('-')) throw new UsageError(a, 'unknown option', 'main')
      else break
    }
    const command = argv[i]
    const rest = argv.slice(i + 1)
    if (command === undefined || command === 'help') {
      if (!help && command === undefined) {
        ctx.stderr(HELP.main)
        return EXIT.usage
      }
      ctx.stdout(HELP.main)
      return EXIT.ok
    }
    // `xanh --help import` reads as `xanh import --help`.
    if (help && (command === 'import' || command === 'export' || command === 'probe' || command === 'user' || command === 'db')) {
      ctx.stdout(HELP[command])
      return EXIT.ok
    }
    switch (command) {
      case 'import':
        return runImport(rest, ctx, globalDir)
      case 'export':
        return runExport(rest, ctx, globalDir)
      case 'probe':
        return runProbe(rest, ctx, globalDir)
      case 'user':
        return runUser(rest, ctx, globalDir)
      case 'db':
        return await runDb(rest, ctx, globalDir)
      default:
        throw new UsageError(command, 'unknown command (import, export, probe, user, db)', 'main')
    }
  } catch (e) {
    if (e instanceof UsageError) {
      ctx.stderr(errorLine('E_VALIDATION', `${e.flag}: ${e.message}`))
      ctx.stderr(`see: xanh ${e.help === 'main' ? '' : e.help + ' '}--help\n`)
      return EXIT.usage
    }
    if (e instanceof AppError) {
      ctx.stderr(errorLine(e.code, e.message))
      return EXIT.failed
    }
    ctx.stderr(errorLine('E_INTERNAL', e instanceof Error ? e.message : String(e)))
    return EXIT.failed
  }
}
