import { ApiError } from '../api/http';
import type { Key, T } from '../i18n';

const WORDS: Record<string, Key> = {
  unauthorized: 'err.unauthorized',
  forbidden: 'err.forbidden',
  out_of_scope: 'err.out_of_scope',
  not_found: 'err.not_found',
  unknown_person: 'err.unknown_person',
  unknown_area: 'err.unknown_area',
  no_recipients: 'err.no_recipients',
  too_many_failures: 'err.too_many_failures',
  network: 'err.network',
};

/** A refusal in words a dispatcher reads, never just a code; the router's own message after it. */
export function explain(t: T, e: unknown): string {
  if (!(e instanceof ApiError)) return `${t('err.other')}${String(e)}`;
  const key = WORDS[e.code] ?? (e.status === 403 ? 'err.forbidden' : e.status === 401 ? 'err.unauthorized' : undefined);
  if (key) return e.code === 'network' ? t(key) : `${t(key)}（${e.message}）`;
  if (e.issues.length) return t('err.invalid') + e.issues.map((i) => `${i.path}: ${i.message}`).join('；');
  return t('err.other') + e.message;
}

/** Issues of a 400 by field path, for messages beside the fields. */
export function issuesByField(e: unknown): Record<string, string> {
  if (!(e instanceof ApiError)) return {};
  return Object.fromEntries(e.issues.map((i) => [i.path, i.message]));
}
