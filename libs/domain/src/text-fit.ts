import type { BeidouMode, TextLimit } from './channel';

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

/**
 * Bytes a text takes in GB2312 as the Beidou adapter encodes it: one an ASCII character, two any
 * other. A character GB2312 lacks (emoji, 喆, €) goes out as the full-width `？`, two bytes too,
 * so the count needs no GB2312 table and the router, the console and the adapter agree on it.
 */
export function gb2312Bytes(text: string): number {
  let n = 0;
  for (const ch of text) n += ch.codePointAt(0)! < 0x80 ? 1 : 2;
  return n;
}

/**
 * Bits a text takes on a Beidou short message, as the adapter sends it: mixed mode 8 a byte after
 * the one-byte `A4` marker; Chinese mode (and BDS-3) 14 a two-byte character, so 7 a byte.
 */
export function beidouBits(text: string, mode: BeidouMode): number {
  const bytes = gb2312Bytes(text);
  return mode === 'mixed' ? 8 + 8 * bytes : 7 * bytes;
}

/** Size of `text` in the unit `limit` counts, the capacity it has, and whether it fits. */
function measureAndCapacity(limit: TextLimit, text: string): { size: number; capacity: number; segments: number; fits: boolean } {
  switch (limit.kind) {
    case 'sms': {
      const { size, single, perSegment } = smsUnits(text);
      // The parts the adapters send (smsSegments): a character never split, so an extension
      // character or a surrogate pair at a part's end can take one more part than size / 67.
      const segments = smsSegments(text).parts.length;
      const capacity = limit.maxSegments <= 1 ? single : limit.maxSegments * perSegment;
      return { size, capacity, segments, fits: segments <= limit.maxSegments };
    }
    case 'chars':
      return { size: text.length, capacity: limit.maxChars, segments: 1, fits: text.length <= limit.maxChars };
    case 'bits': {
      const size = beidouBits(text, limit.mode);
      return { size, capacity: limit.maxBits, segments: 1, fits: size <= limit.maxBits };
    }
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
  const { size, capacity, segments } = measureAndCapacity(limit, text);
  const unit = limit.kind === 'sms' ? (smsUnits(text).gsm ? 'septets' : 'ucs2') : limit.kind;
  return { unit, size, capacity, segments };
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
  if (m.fits) return { text: whole, segments: m.segments, truncated: false };

  // Drop code points from the end until it fits; never split a surrogate pair.
  const chars = [...content];
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const candidate = frame(order.ref, chars.slice(0, mid).join('') + ELLIPSIS, order.ackRequired);
    if (measureAndCapacity(limit, candidate).fits) lo = mid;
    else hi = mid - 1;
  }
  let text = frame(order.ref, chars.slice(0, lo).join('') + ELLIPSIS, order.ackRequired);
  if (!measureAndCapacity(limit, text).fits) {
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
