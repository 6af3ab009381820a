import type { TextLimit } from './channel';

export interface OrderText {
  ref: string;
  body: string;
  summary?: string | null;
  ackRequired: boolean;
}

export interface FittedText {
  text: string;
  /** SMS segments, or 1 for single-message channels. */
  segments: number;
  truncated: boolean;
}

// GSM 03.38 default alphabet; the extension table costs two septets a character.
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXT = '^{}\\[~]|€\f';
const GSM7 = new Set([...GSM7_BASIC]);
const GSM7X = new Set([...GSM7_EXT]);
const ELLIPSIS = '…';

export const ACK_HINT = '回复1确认';

function isGsm7(text: string): boolean {
  for (const ch of text) if (!GSM7.has(ch) && !GSM7X.has(ch)) return false;
  return true;
}

function septets(text: string): number {
  let n = 0;
  for (const ch of text) n += GSM7X.has(ch) ? 2 : 1;
  return n;
}

/** SMS sizes: a single message and each part of a concatenated one (6-byte UDH), by alphabet. */
function smsUnits(text: string): { gsm: boolean; size: number; single: number; perSegment: number } {
  const gsm = isGsm7(text);
  // UCS-2 counts UTF-16 code units.
  return { gsm, size: gsm ? septets(text) : text.length, single: gsm ? 160 : 70, perSegment: gsm ? 153 : 67 };
}

/** Size of `text` in the unit `limit` counts, and the capacity it has. */
function measureAndCapacity(limit: TextLimit, text: string): { size: number; capacity: number; segments: number } {
  switch (limit.kind) {
    case 'sms': {
      const { size, single, perSegment } = smsUnits(text);
      const segments = size <= single ? 1 : Math.ceil(size / perSegment);
      const capacity = limit.maxSegments <= 1 ? single : limit.maxSegments * perSegment;
      return { size, capacity, segments };
    }
    case 'chars':
      return { size: text.length, capacity: limit.maxChars, segments: 1 };
    case 'bits':
      return { size: [...text].length, capacity: Math.floor(limit.maxBits / limit.bitsPerChar), segments: 1 };
  }
}

/** A text measured as its channel counts it: for a console's preview of what each channel carries. */
export interface TextMeasure {
  unit: 'septets' | 'ucs2' | 'chars' | 'bits';
  size: number;
  capacity: number;
  segments: number;
}

export function measureText(limit: TextLimit, text: string): TextMeasure {
  const m = measureAndCapacity(limit, text);
  switch (limit.kind) {
    case 'sms':
      return { unit: smsUnits(text).gsm ? 'septets' : 'ucs2', ...m };
    case 'chars':
      return { unit: 'chars', ...m };
    case 'bits':
      return { unit: 'bits', size: m.size * limit.bitsPerChar, capacity: limit.maxBits, segments: 1 };
  }
}

function frame(ref: string, content: string, ackRequired: boolean): string {
  return `[${ref}]${content}${ackRequired ? ` ${ACK_HINT}` : ''}`;
}

/**
 * The text a channel sends for an order: always the ref and, when an answer is asked for, how to
 * answer; the content is the summary on narrowband channels, shortened with an ellipsis to fit.
 */
export function fitText(limit: TextLimit, narrowband: boolean, order: OrderText): FittedText {
  const content = (narrowband && order.summary ? order.summary : order.body).trim();
  const whole = frame(order.ref, content, order.ackRequired);
  const m = measureAndCapacity(limit, whole);
  if (m.size <= m.capacity) return { text: whole, segments: m.segments, truncated: false };

  // Drop code points from the end until it fits; never split a surrogate pair.
  const chars = [...content];
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const candidate = frame(order.ref, chars.slice(0, mid).join('') + ELLIPSIS, order.ackRequired);
    const cm = measureAndCapacity(limit, candidate);
    if (cm.size <= cm.capacity) lo = mid;
    else hi = mid - 1;
  }
  let text = frame(order.ref, chars.slice(0, lo).join('') + ELLIPSIS, order.ackRequired);
  if (measureAndCapacity(limit, text).size > measureAndCapacity(limit, text).capacity) {
    // Not even the ref and hint fit: the ref is what replies are matched by, so keep it alone.
    text = `[${order.ref}]`;
  }
  return { text, segments: measureAndCapacity(limit, text).segments, truncated: true };
}

/** How a text goes out as SMS: its alphabet and the parts of a concatenated message. */
export interface SmsSegments {
  encoding: 'gsm7' | 'ucs2';
  /** One part when it fits a single message (160 septets / 70 UCS-2 units), else 153 / 67 each. */
  parts: string[];
}

/**
 * Splits a text into SMS parts by the same counting as `fitText`: septets (extension characters
 * take two) or UTF-16 code units, never cutting a character or a surrogate pair in two.
 */
export function smsSegments(text: string): SmsSegments {
  const { gsm, size, single, perSegment: per } = smsUnits(text);
  const cost = (ch: string) => (gsm ? (GSM7X.has(ch) ? 2 : 1) : ch.length);
  const encoding = gsm ? 'gsm7' : 'ucs2';
  if (size <= single) return { encoding, parts: [text] };
  const parts: string[] = [];
  let part = '';
  let used = 0;
  for (const ch of text) {
    if (used + cost(ch) > per) {
      parts.push(part);
      part = '';
      used = 0;
    }
    part += ch;
    used += cost(ch);
  }
  if (part) parts.push(part);
  return { encoding, parts };
}
