/**
 * Entry point of `npm run xanh -- <command>`: the only CLI file that reads argv and the
 * environment. See `run-cli.ts` for the commands.
 * @module
 */
import { runCli } from './run-cli'

const actor = `cli:${process.env.USER ?? process.env.USERNAME ?? 'unknown'}`

process.exitCode = await runCli(process.argv.slice(2), {
  envDataDir: process.env.XANH_DATA_DIR || undefined,
  cwd: process.cwd(),
  actor,
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  stderrIsTTY: process.stderr.isTTY === true,
})
