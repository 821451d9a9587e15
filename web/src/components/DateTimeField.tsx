import { useSignal } from '@preact/signals'
import { useI18n } from '../context'
import { parseInputDate, parseInputDateTime, parseInputTime, type InputProblem } from '../datetime-input'

/**
 * A date-time (`dd/MM/yyyy HH:mm`), date (`dd/MM/yyyy`) or time (`HH:mm`) typed as text, read as Vietnam time. A plain
 * text field, not `datetime-local`: the browser's own picker shows its locale ("05:00 AM").
 * The reason a value cannot be read shows under it once the field is left, or when the form
 * was submitted (`showProblem`).
 */
export function DateTimeField(props: {
  id: string
  label: string
  value: string
  onInput: (text: string) => void
  kind?: 'datetime' | 'date' | 'time'
  /** An empty field is a valid answer (an optional date). */
  optional?: boolean
  /** Show the problem even before the field was left (the form was submitted). */
  showProblem?: boolean
  class?: string
}) {
  const { t } = useI18n()
  const left = useSignal(false)
  const kind = props.kind ?? 'datetime'
  const parse = kind === 'datetime' ? parseInputDateTime : kind === 'date' ? parseInputDate : parseInputTime
  const parsed = props.optional && props.value.trim() === '' ? null : parse(props.value)
  const problem: InputProblem | null = parsed === null || parsed.ok ? null : parsed.problem
  const shown = problem && (left.value || props.showProblem) ? t(problem.key, problem.params) : null
  const errorId = `${props.id}-error`
  return (
    <label class={`form-field ${props.class ?? ''}`} htmlFor={props.id}>
      <span>{props.label}</span>
      <input
        id={props.id}
        type="text"
        inputMode="numeric"
        autoComplete="off"
        spellcheck={false}
        class={`datetime-field datetime-field--${kind}`}
        placeholder={t(kind === 'datetime' ? 'datetime.placeholder' : kind === 'date' ? 'datetime.datePlaceholder' : 'datetime.timePlaceholder')}
        value={props.value}
        aria-invalid={shown ? true : undefined}
        aria-describedby={shown ? errorId : undefined}
        onInput={(e) => props.onInput(e.currentTarget.value)}
        onBlur={() => (left.value = true)}
      />
      {shown && (
        <span id={errorId} class="field-problem" role="alert">
          {shown}
        </span>
      )}
    </label>
  )
}
