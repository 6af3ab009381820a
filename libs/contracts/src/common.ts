import { z } from 'zod';
import { DELIVERY_STATUSES, PRIORITIES } from '@lifeline/domain';

/** The version of the external contract these schemas describe (OpenAPI `info.version`). */
export const CONTRACT_VERSION = '1.3';

export const priority = z.enum(PRIORITIES);
export const deliveryStatus = z.enum(DELIVERY_STATUSES);
export const channelState = z.enum(['up', 'degraded', 'down']);
/** Ids and codes are short printable tokens: no spaces, no control characters. */
export const id = z.string().min(1).max(128).regex(/^[\w.:#@-]+$/u, 'expected an id of letters, digits and . : # @ - _');
export const areaCode = z.string().min(1).max(32).regex(/^[\w-]+$/u, 'expected an area code');
export const isoTime = z.string();
export const clientRef = z.string().min(1).max(64);

export interface BoundaryIssue {
  path: string;
  message: string;
  code: string;
}

/** A zod error as the contract shows it: which field, what was expected. */
export function describeIssues(error: z.ZodError): BoundaryIssue[] {
  return error.issues.map((i) => ({
    path: i.path.map(String).join('.') || '(root)',
    message: i.message,
    code: i.code,
  }));
}

export function summarizeIssues(issues: readonly BoundaryIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}

/**
 * Reads one JSON text frame (a WebSocket message, an MQTT payload) against `schema`. A frame that
 * is not JSON, or breaks the schema, gives a message naming the field and what was expected.
 */
/**
 * What is wrong with a text JSON.parse refused, without V8's own words: they quote the start of
 * the text, which may be an order's text or a phone number, and such messages are logged.
 */
export function notJson(e: unknown): string {
  const at = /position (\d+)/.exec(e instanceof Error ? e.message : '')?.[1];
  return at === undefined ? 'expected JSON' : `expected JSON (unreadable at character ${at})`;
}

export function readJsonFrame<S extends z.ZodType>(schema: S, text: string): { ok: true; value: z.output<S> } | { ok: false; message: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, message: notJson(e) };
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, message: summarizeIssues(describeIssues(parsed.error)) };
}
