/**
 * Characters no order text should carry to a handset: control characters other than tab and line
 * breaks (an escape sequence reaches a terminal's display as garbage, or worse), bidirectional
 * overrides and isolates (they make a text read otherwise than it is written), and halves of a
 * UTF-16 pair without their other half (no encoding a gateway uses can carry them).
 */
const UNSENDABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Where the first unsendable character of `s` is, or -1. */
export function firstUnsendable(s: string): number {
  UNSENDABLE.lastIndex = 0;
  const m = UNSENDABLE.exec(s);
  return m ? m.index : -1;
}

/** `s` without its unsendable characters: text from other systems (CAP) is taken, cleaned. */
export function sendable(s: string): string {
  return s.replace(UNSENDABLE, '');
}
