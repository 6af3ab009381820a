import { Deliver, parse, Report, Submit, utils } from 'node-pdu';
import { smsSegments } from '@lifeline/domain';

/** An SMS-SUBMIT ready for `AT+CMGS=<tpduLength>`: the PDU hex (default SMSC) and its TPDU length. */
export interface SubmitPart {
  pdu: string;
  tpduLength: number;
}

/** Terminal addresses in the directory are national; PDUs carry them international (E.164). */
export function toInternational(address: string, countryCode: string): string {
  if (address.startsWith('+')) return address;
  return `+${countryCode}${address.replace(/^0+/, '')}`;
}

export function fromInternational(address: string, countryCode: string): string {
  const digits = address.replace(/^\+/, '');
  return digits.startsWith(countryCode) && digits.length > countryCode.length + 6 ? digits.slice(countryCode.length) : digits;
}

/**
 * node-pdu's GSM 7-bit table has `` ` `` where GSM 03.38 has `§` (0x5F): it would send `§` as a
 * space and read 0x5F as `` ` ``. It is handed `` ` `` for `§` on the way out (the septet a phone
 * shows as `§`), and GSM-7 texts read back with `§`.
 */
const GSM_SECTION_OUT = /§/g;
const GSM_SECTION_IN = /`/g;

/** The text of a parsed SUBMIT or DELIVER, `§` where node-pdu reads GSM-7's 0x5F as `` ` ``. */
export function textOf(m: { dataCodingScheme: { textAlphabet: number }; data: { getText(): string } }): string {
  const text = m.data.getText();
  return m.dataCodingScheme.textAlphabet === utils.DCS.ALPHABET_DEFAULT ? text.replace(GSM_SECTION_IN, '§') : text;
}

/** Octets of the concatenation header: UDHL, IEI 00, length 3, reference, total, sequence. */
const UDH_OCTETS = 6;

/**
 * The SMS-SUBMIT parts of a text, with a status report requested (TP-SRR): exactly the parts the
 * router planned (`smsSegments`: its alphabet, 67 UCS-2 units or 153 septets a part), each with
 * the 6-octet concatenation header (8-bit `ref`) when there are several. node-pdu builds each
 * PDU; its own splitting is not used, as it cuts at 63 UCS-2 units and takes letters such as `é`
 * for UCS-2: a text the router fitted to 2 parts would go out in 3.
 */
export function submitParts(to: string, text: string, countryCode: string, ref: number): SubmitPart[] {
  const { encoding, parts } = smsSegments(text);
  const ucs2 = encoding === 'ucs2';
  return parts.map((part, i) => {
    const submit = new Submit(toInternational(to, countryCode), '');
    submit.type.setStatusReportRequest(1);
    submit.dataCodingScheme.setTextAlphabet(ucs2 ? utils.DCS.ALPHABET_UCS2 : utils.DCS.ALPHABET_DEFAULT);
    const hex = (n: number) => utils.Helper.toStringHex(n & 0xff);
    const header = parts.length > 1 ? new utils.Header([{ type: utils.Header.IE_CONCAT_8BIT_REF, dataHex: hex(ref) + hex(parts.length) + hex(i + 1) }]) : undefined;
    if (header) submit.type.setUserDataHeader(1);
    // GSM-7 after a header starts at the next septet boundary: 48 bits of header, 1 fill bit.
    const fill = header && !ucs2 ? 1 : 0;
    const ud = ucs2 ? utils.Helper.encode16Bit(part) : utils.Helper.encode7Bit(part.replace(GSM_SECTION_OUT, '`'), fill);
    // User data length: octets for UCS-2, septets for GSM-7 (the header's 49 bits are 7 septets).
    const udl = ud.length + (header ? (ucs2 ? UDH_OCTETS : Math.ceil((UDH_OCTETS * 8) / 7) - fill) : 0);
    submit.setData(new utils.Data({ data: part, size: [...part].length, parts: [new utils.Part(ud.result, udl, part, header)], isUnicode: ucs2 }));
    const pdu = submit.getPartStrings()[0];
    const scaOctets = parseInt(pdu.slice(0, 2), 16) + 1;
    return { pdu, tpduLength: pdu.length / 2 - scaOctets };
  });
}

/** A status report (`+CDS`): which message (TP-MR) and how it ended (TP-ST). */
/** A status report: the message reference, TP-ST, and whom the message was for (as the PDU writes it, international digits). */
export function readStatusReport(pdu: string): { reference: number; status: number; recipient: string | null } | null {
  const r = safeParse(pdu);
  return r instanceof Report ? { reference: r.reference, status: r.status, recipient: r.address?.phone ?? null } : null;
}

/** TP-ST: 0x00-0x1F delivered, 0x20-0x3F still trying, 0x40 and above given up. */
export function reportOutcome(status: number): 'delivered' | 'pending' | 'failed' {
  return status < 0x20 ? 'delivered' : status < 0x40 ? 'pending' : 'failed';
}

/** A received message (`AT+CMGR`): sender, text, and its place in a concatenated message. */
export function readDeliver(pdu: string, countryCode: string): { from: string; text: string; part: { ref: number; total: number; seq: number } | null } | null {
  const d = safeParse(pdu);
  if (!(d instanceof Deliver)) return null;
  return { from: fromInternational(d.address.phone ?? '', countryCode), text: textOf(d), part: concatOf(d.data.parts[0]?.header) };
}

/** Which part of a concatenated message a PDU's user data header says this is; null when whole. */
export function concatOf(header: unknown): { ref: number; total: number; seq: number } | null {
  // node-pdu's Header serialises its concatenation element as {POINTER, SEGMENTS, CURRENT}.
  const h = header ? (JSON.parse(JSON.stringify(header)) as { POINTER?: number; SEGMENTS?: number; CURRENT?: number }) : null;
  return h?.SEGMENTS && h.SEGMENTS > 1 ? { ref: h.POINTER ?? 0, total: h.SEGMENTS, seq: h.CURRENT ?? 1 } : null;
}

/** Builds what a network would send a phone: a DELIVER from `from` (the far-end simulator uses it). */
export function deliverPdu(from: string, text: string, countryCode: string): string {
  return deliverPdus(from, text, countryCode)[0];
}

/** The SMS-DELIVER PDUs of a text as a phone sends it: past one part, several with a concatenation header. */
export function deliverPdus(from: string, text: string, countryCode: string): string[] {
  return new Deliver(toInternational(from, countryCode), text).getPartStrings();
}

/** A status report for message `reference` to `to` with TP-ST `status` (built by hand: node-pdu only parses them). */
export function statusReportPdu(reference: number, to: string, status: number, at: Date, countryCode = '86'): string {
  const digits = toInternational(to, countryCode).slice(1);
  const swapped = (digits.length % 2 ? digits + 'F' : digits).match(/../g)!.map((p) => p[1] + p[0]).join('');
  const two = (n: number) => String(n).padStart(2, '0');
  const scts = [at.getUTCFullYear() % 100, at.getUTCMonth() + 1, at.getUTCDate(), at.getUTCHours(), at.getUTCMinutes(), at.getUTCSeconds(), 0]
    .map((n) => two(n).split('').reverse().join(''))
    .join('');
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');
  return `00` + `06` + hex(reference) + hex(digits.length) + '91' + swapped + scts + scts + hex(status);
}

function safeParse(pdu: string): ReturnType<typeof parse> | null {
  try {
    return parse(pdu.trim());
  } catch {
    return null;
  }
}
