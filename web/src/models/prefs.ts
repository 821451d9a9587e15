/**
 * User preferences that survive a reload: the UI language (Vietnamese by default).
 * @module
 */
import { computed, createModel, signal, type ReadonlySignal } from '@preact/signals'
import { LOCALES, isLang, translate, type Lang, type Translate } from '../i18n'

/** The subset of `localStorage` used; null when storage is unavailable (private mode). */
export interface StorageLike {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

/** localStorage key of the language. */
export const LANG_STORAGE_KEY = 'xanh.lang'

/** Preference state plus actions. */
export interface PrefsState {
  lang: ReadonlySignal<Lang>
  /** BCP 47 locale of `lang`. */
  locale: ReadonlySignal<string>
  /** Translate bound to the current language; reading it subscribes to language changes. */
  t: ReadonlySignal<Translate>
  setLang: (lang: Lang) => void
  toggleLang: () => void
}

/** Preferences model; reads the stored language once and writes every change back. */
export const PrefsModel = createModel((storage: StorageLike | null): PrefsState => {
  let stored: string | null = null
  try {
    stored = storage?.getItem(LANG_STORAGE_KEY) ?? null
  } catch {
    // Storage can throw when disabled by policy; fall back to the default language.
  }
  const lang = signal<Lang>(isLang(stored) ? stored : 'vi', { name: 'lang' })
  const locale = computed(() => LOCALES[lang.value], { name: 'locale' })
  const t = computed<Translate>(
    () => {
      const l = lang.value
      return (key, params) => translate(l, key, params)
    },
    { name: 't' },
  )

  function setLang(next: Lang): void {
    lang.value = next
    try {
      storage?.setItem(LANG_STORAGE_KEY, next)
    } catch {
      // Not persisting is acceptable; the choice still applies to this session.
    }
  }

  return { lang, locale, t, setLang, toggleLang: () => setLang(lang.peek() === 'vi' ? 'en' : 'vi') }
})

/** An instance of {@link PrefsModel}. */
export type PrefsModel = InstanceType<typeof PrefsModel>
