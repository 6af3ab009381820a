import * as iconv from 'iconv-lite';
import { ACK_HINT, beidouBits, type BeidouMode } from '@lifeline/domain';

/**
 * Beidou RDSS 2.1 sentences (ASCII, NMEA-like): `$` + talker (CC host to terminal, BD terminal to
 * host) + type + `,` fields + `*hh` + CRLF, where hh is the XOR of every byte between `$` and `*`
 * in two uppercase hex digits. No npm package speaks it; this is the whole codec.
 */
export interface Sentence {
  talker: string;
  type: string;
  fields: string[];
}

/**
 * A line that is no sentence, or a field that cannot be read. Its message names the sentence type
 * and what failed, never the line's content: a received message carries a card number and the
 * text of an order or an answer, and these messages are logged.
 */
export class SentenceError extends Error {}

/** `$BDTXR` from a line that starts like a sentence; what else it says is left out. */
function typeOf(line: string): string {
  return /^\$[A-Z]{5}/.exec(line)?.[0] ?? 'no $ and sentence type';
}

export function checksum(body: string): string {
  let x = 0;
  for (const b of Buffer.from(body, 'latin1')) x ^= b;
  return x.toString(16).toUpperCase().padStart(2, '0');
}

export function encodeSentence(talker: string, type: string, fields: readonly (string | number)[]): string {
  const body = `${talker}${type},${fields.join(',')}`;
  return `$${body}*${checksum(body)}\r\n`;
}

/** Parses one line (with or without CRLF); a bad frame or checksum throws `SentenceError`. */
export function parseSentence(line: string): Sentence {
  const m = /^\$([A-Z]{2})([A-Z]{3}),?(.*)\*([0-9A-Fa-f]{2})\r?\n?$/.exec(line);
  if (!m) throw new SentenceError(`not an RDSS sentence (${typeOf(line)}, ${line.length} characters)`);
  const body = line.slice(1, line.lastIndexOf('*'));
  if (checksum(body) !== m[4].toUpperCase()) throw new SentenceError(`checksum ${m[4]} should be ${checksum(body)} in a $${m[1]}${m[2]} sentence`);
  return { talker: m[1], type: m[2], fields: m[3] === '' ? [] : m[3].split(',') };
}

/** TXA content modes: 0 Chinese (GB2312, 14 bits a character on air), 1 code (BCD digits), 2 mixed (`A4` + GB2312 hex). */
export type ContentMode = 0 | 1 | 2;

/** How the router counts a content mode's bits (`channels[].text.mode`): BDS-3 sends as Chinese mode does. */
export function beidouMode(mode: 0 | 2): BeidouMode {
  return mode === 2 ? 'mixed' : 'chinese';
}

/** `？` in GB2312: what goes out for a character GB2312 lacks. */
const NOT_IN_GB2312 = Buffer.from([0xa3, 0xbf]);

/**
 * A text's GB2312 bytes: one an ASCII character, two any other, as the router counts them
 * (`gb2312Bytes`). iconv-lite's `gb2312` is GBK: a character outside GB2312's rows (喆, an emoji,
 * which iconv-lite makes a one-byte `?`, € its one-byte 0x80) goes out as `？` instead, which a
 * GB2312 terminal shows and which takes the two bytes the router planned.
 */
export function gb2312(text: string): Buffer {
  const out: Buffer[] = [];
  for (const ch of text) {
    if (ch.codePointAt(0)! < 0x80) {
      out.push(Buffer.from(ch, 'latin1'));
      continue;
    }
    const b = iconv.encode(ch, 'gb2312');
    // GB2312: rows 1-9 (symbols, 0xA1-0xA9) and 16-87 (hanzi, 0xB0-0xF7), cells 0xA1-0xFE.
    const inGb2312 = b.length === 2 && ((b[0] >= 0xa1 && b[0] <= 0xa9) || (b[0] >= 0xb0 && b[0] <= 0xf7)) && b[1] >= 0xa1 && b[1] <= 0xfe;
    out.push(inGb2312 ? b : NOT_IN_GB2312);
  }
  return Buffer.concat(out);
}

export function encodeContent(text: string, mode: ContentMode): string {
  if (mode === 1) {
    if (!/^\d*$/.test(text)) throw new SentenceError('code mode carries digits only');
    return text;
  }
  const hex = gb2312(text).toString('hex').toUpperCase();
  return mode === 2 ? `A4${hex}` : hex;
}

/**
 * The text of a content field. Hex, as the protocol says; but terminals in Chinese mode may put
 * the GB2312 bytes themselves in the sentence (read here as latin1, one character a byte). A
 * Chinese character's two bytes are both 0xA1 or above, never a hex digit: content that is not
 * hex is read as those bytes.
 */
export function decodeContent(content: string, mode: number): string {
  if (mode === 1) return content;
  const hex = mode === 2 && content.startsWith('A4') ? content.slice(2) : content;
  if (/^([0-9A-Fa-f]{2})*$/.test(hex)) return iconv.decode(Buffer.from(hex, 'hex'), 'gb2312');
  if (mode === 0 && /^[\x20-\x7e\xa1-\xfe]+$/.test(content)) return iconv.decode(Buffer.from(content, 'latin1'), 'gb2312');
  throw new SentenceError(`content field is neither hex nor GB2312 (${content.length} characters)`);
}

/**
 * Bits a content field takes on air: 4 per digit in code mode, 14 per Chinese character (two
 * GB2312 bytes) in Chinese mode, 8 per byte in mixed mode, the `A4` marker byte included.
 */
export function contentBits(content: string, mode: ContentMode): number {
  if (mode === 1) return content.length * 4;
  const bytes = content.length / 2;
  return mode === 0 ? (bytes / 2) * 14 : bytes * 8;
}

/**
 * Bits a text takes on air in `mode`: the router's own count (`beidouBits`), so a text the router
 * fitted to the card is never cut again here; the specs check it against `contentBits` of what
 * `encodeContent` writes.
 */
export function payloadBits(text: string, mode: ContentMode): number {
  return mode === 1 ? text.length * 4 : beidouBits(text, beidouMode(mode));
}

/**
 * Cuts a text to fit `maxBits` (a card smaller than the channel's configured size): the ref at
 * its start and the answer hint at its end (回复1确认) always go out, the middle ends in `…`.
 */
export function fitBits(text: string, maxBits: number, mode: ContentMode): string {
  if (payloadBits(text, mode) <= maxBits) return text;
  const hint = text.trimEnd().endsWith(ACK_HINT) ? ` ${ACK_HINT}` : '';
  const chars = [...(hint ? text.trimEnd().slice(0, -ACK_HINT.length).trimEnd() : text)];
  while (chars.length && payloadBits(chars.join('') + '…' + hint, mode) > maxBits) chars.pop();
  return chars.join('') + '…' + hint;
}

/** Card levels and their message size in bits (non-encrypted, BDS-2). */
export const LEVEL_BITS: Record<number, number> = { 1: 110, 2: 408, 3: 628, 4: 848 };

/** Seconds as the `mmss` of a `$BDFKI` wait field. */
export function mmss(seconds: number): string {
  return `${String(Math.floor(seconds / 60)).padStart(2, '0')}${String(seconds % 60).padStart(2, '0')}`;
}

/** `mmss` of a `$BDFKI` wait field as milliseconds. */
export function waitMs(mmss: string): number {
  const m = /^(\d{2})(\d{2})$/.exec(mmss ?? '');
  return m ? (Number(m[1]) * 60 + Number(m[2])) * 1000 : 0;
}
