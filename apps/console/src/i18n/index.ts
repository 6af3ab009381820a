import { en } from './en';
import { zh, type Key } from './zh';

export type Lang = 'zh' | 'en';
export type { Key };

const KEY = 'lifeline.lang';

/** The language last chosen in this browser; Chinese first. */
export function savedLang(): Lang {
  return localStorage.getItem(KEY) === 'en' ? 'en' : 'zh';
}

export function saveLang(l: Lang): void {
  localStorage.setItem(KEY, l);
}

/** A translator for `lang`: `{name}` placeholders filled from `params`. */
export function translator(lang: Lang) {
  const dict: Record<Key, string> = lang === 'en' ? en : zh;
  return (key: Key, params: Record<string, string | number> = {}): string =>
    (dict[key] ?? key).replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? `{${k}}`));
}

export type T = ReturnType<typeof translator>;

/**
 * A role's or channel's name in the page's language; a code the dictionaries do not know (a
 * directory's own role, a channel added in config) shows as itself.
 */
export function nameOf(t: T, kind: 'role' | 'channel', code: string): string {
  const key = `${kind}.${code}` as Key;
  const s = t(key);
  return s === key ? code : s;
}

/** A time of day in the page's language (the header sets <html lang>), 24-hour. */
export function timeOf(at: string | number): string {
  return new Date(at).toLocaleTimeString(document.documentElement.lang || undefined, { hour12: false });
}

/** A date and time in the page's language, 24-hour. */
export function dateTimeOf(at: string | number): string {
  return new Date(at).toLocaleString(document.documentElement.lang || undefined, { hour12: false });
}
