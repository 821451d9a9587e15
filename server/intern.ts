/**
 * One copy of each distinct string: SQLite hands out a new string for every row it reads, so
 * 10,000 targets read from the inventory carry 10,000 copies of "udp_echo", "line" and of their
 * probe's id, each ~32 B kept for as long as the inventory is (issue 14: the server's memory).
 * @module
 */

/**
 * A fresh pool: the function returns the first string equal to its argument it was given.
 * @param maxEntries a pool that lives as long as the process and sees strings from outside (an
 *   external alert's labels) starts over past this many, so it cannot grow without bound
 */
export function interner(maxEntries = Infinity): (s: string) => string {
  const seen = new Map<string, string>()
  return (s) => {
    const have = seen.get(s)
    if (have !== undefined) return have
    if (seen.size >= maxEntries) seen.clear()
    seen.set(s, s)
    return s
  }
}
