/**
 * Finding the system tools checks spawn (fping, ping).
 * @module
 */
import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import type { ProbeTools } from './checks/checker'
import { ICMP_UNAVAILABLE } from './checks/icmp'

/** Detected tools plus the checks that cannot run because of what is missing. */
export interface DetectedTools extends ProbeTools {
  /** E.g. `["icmp: neither fping nor ping is installed on this agent"]`; empty when all can run. */
  unavailable: string[]
}

/**
 * Looks for executable `fping` and `ping` in the directories of `searchPath` (a PATH-style list;
 * the caller passes `process.env.PATH`, since only entry points read the environment). Never
 * throws; a missing tool is `undefined` and, if it disables a check, listed in `unavailable`.
 * @example detectTools(process.env.PATH ?? '') // { fping: '/usr/bin/fping', ping: '/usr/bin/ping', unavailable: [] }
 */
export function detectTools(searchPath: string): DetectedTools {
  const fping = findExecutable('fping', searchPath)
  const ping = findExecutable('ping', searchPath)
  return { fping, ping, unavailable: unavailableChecks({ fping, ping }) }
}

/** The checks `tools` cannot run, worded for logs and ProbeStatus.unavailable. */
export function unavailableChecks(tools: ProbeTools): string[] {
  return tools.fping || tools.ping ? [] : [ICMP_UNAVAILABLE]
}

function findExecutable(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(delimiter)) {
    if (!dir) continue
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      if (statSync(candidate).isFile()) return candidate
    } catch {
      // Not here: keep looking along the path.
    }
  }
  return undefined
}
