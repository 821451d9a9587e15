/**
 * What `npm start` runs, read from package.json so a benchmark or test starts the server exactly
 * as production does: environment assignments before the command (the allocator's settings),
 * then `node`, its flags and scripts/start.mjs.
 * @module
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The start script split into its leading `NAME=value` assignments and node's arguments. */
export interface StartCommand {
  env: Record<string, string>
  /** Arguments after `node` (flags, then the script). */
  args: string[]
}

/** Parses package.json's `scripts.start` (plain words separated by spaces, as it is written). */
export function startCommand(): StartCommand {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start
  const words = script.split(' ').filter((w) => w !== '')
  const env: Record<string, string> = {}
  while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0] as string)) {
    const w = words.shift() as string
    const eq = w.indexOf('=')
    env[w.slice(0, eq)] = w.slice(eq + 1)
  }
  if (words.shift() !== 'node') throw new Error(`package.json start does not run node: ${script}`)
  return { env, args: words }
}
