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
