/**
 * Tests that need a system tool: in CI (CI=true) a missing tool is a failure; elsewhere the
 * test is skipped with one line saying what is missing.
 */
import { execFileSync } from 'node:child_process'

/** Absolute path of a tool on PATH, or undefined. */
export function findTool(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined
  } catch {
    return undefined
  }
}

/**
 * Returns the tool's path, or undefined when it is missing outside CI (after printing why the
 * dependent tests are skipped). Throws in CI, so a missing install step turns CI red.
 */
export function toolOrSkip(name: string, why: string): string | undefined {
  const path = findTool(name)
  if (path) return path
  if (process.env.CI === 'true') throw new Error(`${name} is required in CI (${why}); scripts/install-system-deps.sh installs it`)
  console.warn(`skipping ${why}: ${name} is not installed (run scripts/install-system-deps.sh)`)
  return undefined
}
