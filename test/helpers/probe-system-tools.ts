/**
 * SPEC §11 rule for tests needing system tools: missing in CI (CI=true) is a failure; elsewhere
 * the tests skip with one line saying what is missing.
 * @module
 */
import { detectTools } from '../../probes/tools'

export interface ToolGate {
  /** Absolute path, when installed. */
  path: string | undefined
  /** Whether tests needing the tool should run (installed, or in CI where missing must fail). */
  run: boolean
}

/** Looks up `name` (fping or ping) on PATH and applies the CI rule. */
export function gateSystemTool(name: 'fping' | 'ping'): ToolGate {
  const path = detectTools(process.env.PATH ?? '')[name]
  const ci = process.env.CI === 'true'
  if (!path && !ci) console.warn(`skipping ${name} tests: ${name} is not installed on this machine`)
  return { path, run: path !== undefined || ci }
}
