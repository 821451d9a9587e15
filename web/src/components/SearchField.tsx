/** A search box with its icon and a visually hidden label (the placeholder is not a label). */
export function SearchField({ label, value, placeholder, onInput }: { label: string; value: string; placeholder: string; onInput: (value: string) => void }) {
  return (
    <label class="field field--search">
      <span class="visually-hidden">{label}</span>
      <svg class="field__icon" width="16" height="16" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
        <circle cx="8.5" cy="8.5" r="5.8" fill="none" stroke="currentColor" stroke-width="1.8" />
        <path d="M13 13l4.5 4.5" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" />
      </svg>
      <input type="search" value={value} placeholder={placeholder} autocomplete="off" spellcheck={false} onInput={(e) => onInput(e.currentTarget.value)} />
    </label>
  )
}
