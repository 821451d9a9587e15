/**
 * Window arithmetic of the virtualised commune table: which rows to render for a scroll
 * position. Pure, so it is tested without a DOM.
 * @module
 */

/** Fixed row height (px) of the commune table; the CSS `--row-h` must match. */
export const ROW_HEIGHT = 44
/** Height (px) of the sticky header row above the first data row. */
export const HEADER_HEIGHT = 42
/** Rows rendered beyond each edge so Tab and arrow keys always find the next row in the DOM. */
export const OVERSCAN = 10

/**
 * Returns the half-open slice [first, last) of rows to render: the visible ones plus an
 * overscan on each side, so 3,321 communes cost the DOM the same as 30.
 */
export function visibleWindow(scrollTop: number, viewportHeight: number, total: number): { first: number; last: number } {
  const top = Math.max(0, scrollTop - HEADER_HEIGHT)
  const first = Math.min(total, Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN))
  const last = Math.min(total, Math.ceil((top + viewportHeight) / ROW_HEIGHT) + OVERSCAN)
  return { first, last: Math.max(first, last) }
}
