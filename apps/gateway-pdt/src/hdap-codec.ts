/**
 * Hytera-style DMR application protocol (HDAP) frames for the 370MHz radio gateway: the text
 * message protocol (TMP, header 0x09) and radio registration (RRS, header 0x11). Layout after the
 * public kaitai descriptions of OK-DMR (dmr-kaitai: hytera_dmr_application_protocol,
 * text_message_protocol, radio_registration_service, radio_ip):
 *
 *   header u8 (bit 7: reliable) | opcode u16be | length u16be (payload bytes) | payload | checksum u8 | 0x03
 *
 * TMP opcode: byte 0 = ack flag (bit 7: 0 ack required, 1 not) and option flag (bit 6), byte 1 =
 * service (0xA1 private message, 0xA2 its ack, 0xB1 group message, 0xB2 its ack). TMP payload:
 * request id u32be, destination radio IP, source radio IP (not in a group ack), result u8 (acks),
 * text UTF-16LE ending in 0x0000 (messages). RRS opcode: 0x00, type; payload: radio IP, result u8
 * (acks), valid time u32be (registration ack).
 *
 * Checksum (assumed: the descriptions name the byte but not its rule): the two's complement of the
 * byte sum of opcode, length and payload, so that those bytes and the checksum add up to 0 mod 256.
 */

export const TMP = 0x09;
export const RRS = 0x11;

export const TMP_SERVICE = { privateMessage: 0xa1, privateAck: 0xa2, groupMessage: 0xb1, groupAck: 0xb2 } as const;
export const RRS_TYPE = { deRegistration: 0x01, onlineCheck: 0x02, registration: 0x03, registrationAck: 0x80, onlineCheckAck: 0x82 } as const;

/** TMP result codes and what they mean for an attempt. */
export const TMP_RESULT: Record<number, { name: string; kind: 'ok' | 'retry' | 'retryable' | 'permanent' }> = {
  0: { name: 'ok', kind: 'ok' },
  1: { name: 'fail', kind: 'retryable' },
  3: { name: 'invalid params', kind: 'permanent' },
  4: { name: 'channel busy', kind: 'retry' },
  5: { name: 'receive only', kind: 'retryable' },
  6: { name: 'low battery', kind: 'retryable' },
  7: { name: 'PLL unlock', kind: 'retryable' },
  8: { name: 'private call no ack', kind: 'retryable' },
  9: { name: 'repeater wake-up fail', kind: 'retry' },
  10: { name: 'no contact', kind: 'retryable' },
  11: { name: 'transmit denied', kind: 'retry' },
  12: { name: 'transmit interrupted', kind: 'retry' },
};

/** How radio ids sit in the 3 low bytes of a radio IP: 24-bit binary, or Hytera's decimal pairs (10.22.0.0 = 2200). */
export type RadioIdEncoding = 'binary24' | 'decimalPairs';

export interface RadioIp {
  subnet: number;
  radioId: number;
}

export type TmpMessage =
  | { kind: 'message'; group: boolean; ackRequired: boolean; requestId: number; to: RadioIp; from: RadioIp; text: string }
  | { kind: 'ack'; group: boolean; requestId: number; to: RadioIp; from: RadioIp | null; result: number };

export type RrsMessage = { type: number; radio: RadioIp; result?: number; validS?: number };

export type Frame = { service: 'tmp'; reliable: boolean; tmp: TmpMessage } | { service: 'rrs'; reliable: boolean; rrs: RrsMessage };

export class FrameError extends Error {}

function radioIp(ip: RadioIp, enc: RadioIdEncoding): Buffer {
  const id = ip.radioId;
  const limit = enc === 'binary24' ? 0xffffff : 999_999;
  if (!Number.isInteger(id) || id < 0 || id > limit) throw new FrameError(`radio id ${id} does not fit a radio IP (${enc})`);
  return enc === 'binary24'
    ? Buffer.from([ip.subnet, (id >> 16) & 0xff, (id >> 8) & 0xff, id & 0xff])
    : Buffer.from([ip.subnet, Math.floor(id / 10_000), Math.floor(id / 100) % 100, id % 100]);
}

function readRadioIp(b: Buffer, at: number, enc: RadioIdEncoding): RadioIp {
  const [subnet, x, y, z] = [b[at], b[at + 1], b[at + 2], b[at + 3]];
  if (enc === 'binary24') return { subnet, radioId: (x << 16) | (y << 8) | z };
  // Each byte is two decimal digits: 100 or more is no radio IP of this scheme (10.0.150.0 would
  // alias 10.1.50.0, and 10.100.0.0 a radio id no answer could be addressed to).
  if (x > 99 || y > 99 || z > 99) throw new FrameError(`${subnet}.${x}.${y}.${z} is not a decimal-pairs radio IP (each byte at most 99)`);
  return { subnet, radioId: x * 10_000 + y * 100 + z };
}

function checksum(body: Buffer): number {
  let sum = 0;
  for (const byte of body) sum = (sum + byte) & 0xff;
  return (0x100 - sum) & 0xff;
}

function frame(header: number, reliable: boolean, opcode: [number, number], payload: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from([opcode[0], opcode[1], payload.length >> 8, payload.length & 0xff]), payload]);
  return Buffer.concat([Buffer.from([header | (reliable ? 0x80 : 0)]), body, Buffer.from([checksum(body), 0x03])]);
}

export function encodeTmp(m: TmpMessage, enc: RadioIdEncoding = 'binary24', reliable = false): Buffer {
  const service = m.kind === 'message' ? (m.group ? TMP_SERVICE.groupMessage : TMP_SERVICE.privateMessage) : m.group ? TMP_SERVICE.groupAck : TMP_SERVICE.privateAck;
  const flags = m.kind === 'message' && !m.ackRequired ? 0x80 : 0x00;
  const id = Buffer.alloc(4);
  id.writeUInt32BE(m.requestId >>> 0);
  const parts = [id, radioIp(m.to, enc)];
  if (m.kind === 'message') parts.push(radioIp(m.from, enc), Buffer.from(m.text + '\0', 'utf16le'));
  else {
    if (!m.group) parts.push(radioIp(m.from ?? { subnet: 0, radioId: 0 }, enc));
    parts.push(Buffer.from([m.result]));
  }
  return frame(TMP, reliable, [flags, service], Buffer.concat(parts));
}

export function encodeRrs(m: RrsMessage, enc: RadioIdEncoding = 'binary24'): Buffer {
  const parts = [radioIp(m.radio, enc)];
  if (m.type === RRS_TYPE.registrationAck || m.type === RRS_TYPE.onlineCheckAck) parts.push(Buffer.from([m.result ?? 0]));
  if (m.type === RRS_TYPE.registrationAck) {
    const t = Buffer.alloc(4);
    t.writeUInt32BE(m.validS ?? 0);
    parts.push(t);
  }
  return frame(RRS, false, [0x00, m.type], Buffer.concat(parts));
}

/** Parses one datagram; a short, unterminated, mis-summed or unknown frame throws `FrameError`. */
export function decodeFrame(b: Buffer, enc: RadioIdEncoding = 'binary24'): Frame {
  if (b.length < 7) throw new FrameError(`frame of ${b.length} bytes: shorter than the 7 of an empty HDAP frame`);
  if (b[b.length - 1] !== 0x03) throw new FrameError('frame does not end with 0x03');
  const length = b.readUInt16BE(3);
  if (length !== b.length - 7) throw new FrameError(`length field says ${length} payload bytes, the frame has ${b.length - 7}`);
  const body = b.subarray(1, b.length - 2);
  if (checksum(body) !== b[b.length - 2]) throw new FrameError(`checksum 0x${b[b.length - 2].toString(16)} should be 0x${checksum(body).toString(16)}`);
  const reliable = (b[0] & 0x80) !== 0;
  const header = b[0] & 0x7f;
  const p = b.subarray(5, b.length - 2);
  if (header === TMP) return { service: 'tmp', reliable, tmp: decodeTmp(b[1], b[2], p, enc) };
  if (header === RRS) return { service: 'rrs', reliable, rrs: decodeRrs(b[2], p, enc) };
  throw new FrameError(`service 0x${header.toString(16)} is neither TMP (0x09) nor RRS (0x11)`);
}

function need(p: Buffer, n: number, what: string): void {
  if (p.length < n) throw new FrameError(`${what}: payload of ${p.length} bytes, expected at least ${n}`);
}

function decodeTmp(flags: number, service: number, p: Buffer, enc: RadioIdEncoding): TmpMessage {
  const group = service === TMP_SERVICE.groupMessage || service === TMP_SERVICE.groupAck;
  if (service === TMP_SERVICE.privateMessage || service === TMP_SERVICE.groupMessage) {
    need(p, 14, 'TMP message');
    const textBytes = p.subarray(12);
    let end = 0;
    while (end + 1 < textBytes.length && (textBytes[end] !== 0 || textBytes[end + 1] !== 0)) end += 2;
    return { kind: 'message', group, ackRequired: (flags & 0x80) === 0, requestId: p.readUInt32BE(0), to: readRadioIp(p, 4, enc), from: readRadioIp(p, 8, enc), text: textBytes.subarray(0, end).toString('utf16le') };
  }
  if (service === TMP_SERVICE.privateAck) {
    need(p, 13, 'TMP private ack');
    return { kind: 'ack', group, requestId: p.readUInt32BE(0), to: readRadioIp(p, 4, enc), from: readRadioIp(p, 8, enc), result: p[12] };
  }
  if (service === TMP_SERVICE.groupAck) {
    need(p, 9, 'TMP group ack');
    return { kind: 'ack', group, requestId: p.readUInt32BE(0), to: readRadioIp(p, 4, enc), from: null, result: p[8] };
  }
  throw new FrameError(`TMP service 0x${service.toString(16)} unknown`);
}

function decodeRrs(type: number, p: Buffer, enc: RadioIdEncoding): RrsMessage {
  need(p, 4, 'RRS');
  const m: RrsMessage = { type, radio: readRadioIp(p, 0, enc) };
  if (type === RRS_TYPE.registrationAck || type === RRS_TYPE.onlineCheckAck) {
    need(p, 5, 'RRS ack');
    m.result = p[4];
  }
  if (type === RRS_TYPE.registrationAck) {
    need(p, 9, 'RRS registration ack');
    m.validS = p.readUInt32BE(5);
  }
  if (!Object.values(RRS_TYPE).includes(type as never)) throw new FrameError(`RRS type 0x${type.toString(16)} unknown`);
  return m;
}
