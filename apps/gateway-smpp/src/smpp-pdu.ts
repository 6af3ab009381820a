import type { Pdu } from 'smpp';

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

/** The text of a submit_sm or deliver_sm: the message_payload TLV for long ones, else short_message. */
export function messageText(pdu: Pdu): string {
  const body = pdu.message_payload ?? pdu.short_message;
  const message = body && typeof body === 'object' && 'message' in body ? body.message : body;
  return typeof message === 'string' ? message : Buffer.isBuffer(message) ? message.toString('latin1') : '';
}

/** 6-byte concatenation header: IEI 0x00, 8-bit reference, total, sequence (1-based). */
export function concatUdh(ref: number, total: number, seq: number): Buffer {
  return Buffer.from([0x05, 0x00, 0x03, ref & 0xff, total, seq]);
}
