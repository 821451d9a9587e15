import type { State } from '../../../protocol'
import type { JSX } from 'preact'

/**
 * A distinct shape per state, so state never depends on colour alone: check in a circle
 * (ok), triangle with "!" (warning), octagon with "!" (critical), circle with a cross
 * (down), dashed circle with "?" (unknown: no data).
 */
export function StateIcon({ state, size = 16 }: { state: State; size?: number }) {
  return (
    <svg class={`state-icon state-icon--${state}`} width={size} height={size} viewBox="0 0 20 20" aria-hidden="true" focusable="false">
      {SHAPES[state]}
    </svg>
  )
}

const SHAPES: Record<State, JSX.Element> = {
  ok: (
    <>
      <circle cx="10" cy="10" r="9" fill="currentColor" />
      <path d="M5.5 10.4l3 3 6-6.4" fill="none" stroke="#fff" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round" />
    </>
  ),
  warning: (
    <>
      <path d="M10 1.6L19 17.8H1z" fill="currentColor" stroke="currentColor" stroke-width="1.2" stroke-linejoin="round" />
      <path d="M10 7v5" stroke="#fff" stroke-width="2.2" stroke-linecap="round" />
      <circle cx="10" cy="15" r="1.25" fill="#fff" />
    </>
  ),
  critical: (
    <>
      <path d="M6.3 1h7.4L19 6.3v7.4L13.7 19H6.3L1 13.7V6.3z" fill="currentColor" />
      <path d="M10 5v6" stroke="#fff" stroke-width="2.2" stroke-linecap="round" />
      <circle cx="10" cy="14.6" r="1.3" fill="#fff" />
    </>
  ),
  down: (
    <>
      <circle cx="10" cy="10" r="9" fill="currentColor" />
      <path d="M6.5 6.5l7 7M13.5 6.5l-7 7" stroke="#fff" stroke-width="2.2" stroke-linecap="round" />
    </>
  ),
  unknown: (
    <>
      <circle cx="10" cy="10" r="8.2" fill="none" stroke="currentColor" stroke-width="1.8" stroke-dasharray="3.2 2.2" />
      <path
        d="M7.6 7.7a2.5 2.5 0 1 1 3.4 2.3c-.7.3-1 .8-1 1.5v.5"
        fill="none"
        stroke="currentColor"
        stroke-width="1.9"
        stroke-linecap="round"
      />
      <circle cx="10" cy="14.7" r="1.2" fill="currentColor" />
    </>
  ),
}
