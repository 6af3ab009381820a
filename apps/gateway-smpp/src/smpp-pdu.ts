import type { Concat } from '@lifeline/gateway-sdk';
import { smsSegments } from '@lifeline/domain';
import { encodings, type Pdu } from 'smpp';

export type { Concat };

/** SMPP 3.4 message_state values (TLV 0x0427). */
export const MESSAGE_STATE = { ENROUTE: 1, DELIVERED: 2, EXPIRED: 3, DELETED: 4, UNDELIVERABLE: 5, ACCEPTED: 6, UNKNOWN: 7, REJECTED: 8 } as const;

/** The `stat:` words of receipt texts (SMPP 3.4 Appendix B) as message states. */
const STAT_WORDS: Record<string, number> = {
  ENROUTE: 1, DELIVRD: 2, EXPIRED: 3, DELETED: 4, UNDELIV: 5, ACCEPTD: 6, UNKNOWN: 7, REJECTD: 8,
};

export type ReceiptOutcome = { kind: 'delivered' } | { kind: 'failed'; permanent: boolean; reason: string } | { kind: 'pending' };

/** What a receipt says of the message: only final states settle an attempt. */
export function receiptOutcome(state: number | undefined): ReceiptOutcome {
  switch (state) {
    case MESSAGE_STATE.DELIVERED:
      return { kind: 'delivered' };
    case MESSAGE_STATE.EXPIRED:
      return { kind: 'failed', permanent: false, reason: 'expired at the SMS centre (terminal unreachable)' };
    case MESSAGE_STATE.DELETED:
      return { kind: 'failed', permanent: false, reason: 'deleted at the SMS centre' };
    case MESSAGE_STATE.UNDELIVERABLE:
      return { kind: 'failed', permanent: false, reason: 'undeliverable' };
    case MESSAGE_STATE.REJECTED:
      return { kind: 'failed', permanent: true, reason: 'rejected by the network' };
    default:
      return { kind: 'pending' };
  }
}

/**
 * The message id and state of a delivery receipt: from the TLVs when the SMS centre sends them,
 * else from the receipt text (`id:... stat:DELIVRD ...`).
 */
export function readReceipt(tlvId: string | undefined, tlvState: number | undefined, text: string): { messageId: string | null; state: number | undefined } {
  const id = tlvId ?? /\bid:(\S+)/i.exec(text)?.[1] ?? null;
  const stat = /\bstat:(\w+)/i.exec(text)?.[1]?.toUpperCase();
  return { messageId: id, state: tlvState ?? (stat ? STAT_WORDS[stat] : undefined) };
}

/**
 * The text of a delivery receipt. Appendix B's receipt text is ASCII, but some SMS centres send it
 * in a deliver_sm whose `data_coding` is that of the message (8, UCS-2), so npm `smpp` reads its
 * bytes as UTF-16: "id" comes out as one CJK character. When the text reads as no receipt, its
 * bytes are read again as ASCII (UTF-16 of ASCII pairs gives them back exactly).
 */
export function receiptText(pdu: Pdu): string {
  const text = messageText(pdu);
  if (/\bid:\S+/i.test(text) || (pdu.data_coding ?? 0) !== 8) return text;
  return Buffer.from(text, 'utf16le').swap16().toString('latin1');
}

/**
 * A number as the directory keeps it (national: 11 digits for a Chinese mobile), from the forms
 * SMS centres send: `+8613800000001`, `008613800000001`, `8613800000001` (type of number 1,
 * international), or national already.
 */
export function nationalNumber(address: string, countryCode: string, nationalLength = 11): string {
  const m = /^(\+|00)?(\d+)$/.exec(address);
  if (!m) return address;
  const digits = m[2];
  const international = m[1] !== undefined || digits.length === countryCode.length + nationalLength;
  return international && digits.startsWith(countryCode) ? digits.slice(countryCode.length) : address;
}

/** The text of a submit_sm or deliver_sm: the message_payload TLV for long ones, else short_message. */
export function messageText(pdu: Pdu): string {
  const body = pdu.message_payload ?? pdu.short_message;
  const message = body && typeof body === 'object' && 'message' in body ? body.message : body;
  return typeof message === 'string' ? message : Buffer.isBuffer(message) ? message.toString('latin1') : '';
}

/** For a part of a long message, its concatenation element (IEI 0x00, 8-bit; 0x08, 16-bit). */
export function concatOf(pdu: Pdu): Concat | null {
  const udh = (pdu.short_message as { udh?: Buffer[] } | undefined)?.udh;
  const ie = udh?.find((u) => (u[0] === 0x00 && u.length >= 5) || (u[0] === 0x08 && u.length >= 6));
  if (!ie) return null;
  return ie[0] === 0x00 ? { ref: ie[2], total: ie[3], seq: ie[4] } : { ref: ie.readUInt16BE(2), total: ie[4], seq: ie[5] };
}

/** 6-byte concatenation header: IEI 0x00, 8-bit reference, total, sequence (1-based). */
export function concatUdh(ref: number, total: number, seq: number): Buffer {
  return Buffer.from([0x05, 0x00, 0x03, ref & 0xff, total, seq]);
}

/** What a submit_sm carries of a text: its alphabet and its short_message (with the header when long). */
export interface SubmitBody {
  data_coding: 0 | 8;
  short_message: Buffer | { udh: Buffer; message: Buffer };
}

/**
 * The submit_sm bodies of a text: exactly the parts the router planned (`smsSegments`, so as many
 * as `fitText` counted), in UCS-2 (data_coding 8, big-endian) or the GSM default alphabet
 * (data_coding 0, a septet an octet, extension characters escaped), each with the 6-byte
 * concatenation header (`ref`, total, sequence) when there are several.
 */
export function submitBodies(text: string, ref: number): SubmitBody[] {
  const { encoding, parts } = smsSegments(text);
  return parts.map((part, i) => {
    const message = encoding === 'ucs2' ? Buffer.from(part, 'utf16le').swap16() : encodings.ASCII.encode(part);
    return { data_coding: encoding === 'ucs2' ? 8 : 0, short_message: parts.length > 1 ? { udh: concatUdh(ref, parts.length, i + 1), message } : message };
  });
}
