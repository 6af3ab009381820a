import { Deliver, parse, Report, Submit } from 'node-pdu';

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
 * The SMS-SUBMIT parts of a text, with a status report requested (TP-SRR): UCS-2 or GSM-7 as the
 * text needs, concatenated with a UDH when long (node-pdu does the splitting and headers).
 */
export function submitParts(to: string, text: string, countryCode: string): SubmitPart[] {
  const submit = new Submit(toInternational(to, countryCode), text);
  submit.type.setStatusReportRequest(1);
  return submit.getPartStrings().map((pdu) => {
    const scaOctets = parseInt(pdu.slice(0, 2), 16) + 1;
    return { pdu, tpduLength: pdu.length / 2 - scaOctets };
  });
}

/** A status report (`+CDS`): which message (TP-MR) and how it ended (TP-ST). */
export function readStatusReport(pdu: string): { reference: number; status: number } | null {
  const r = safeParse(pdu);
  return r instanceof Report ? { reference: r.reference, status: r.status } : null;
}

/** TP-ST: 0x00-0x1F delivered, 0x20-0x3F still trying, 0x40 and above given up. */
export function reportOutcome(status: number): 'delivered' | 'pending' | 'failed' {
  return status < 0x20 ? 'delivered' : status < 0x40 ? 'pending' : 'failed';
}

/** A received message (`AT+CMGR`): sender, text, and its place in a concatenated message. */
export function readDeliver(pdu: string, countryCode: string): { from: string; text: string; part: { ref: number; total: number; seq: number } | null } | null {
  const d = safeParse(pdu);
  if (!(d instanceof Deliver)) return null;
  return { from: fromInternational(d.address.phone ?? '', countryCode), text: d.data.getText(), part: concatOf(d.data.parts[0]?.header) };
}

/** Which part of a concatenated message a PDU's user data header says this is; null when whole. */
export function concatOf(header: unknown): { ref: number; total: number; seq: number } | null {
  // node-pdu's Header serialises its concatenation element as {POINTER, SEGMENTS, CURRENT}.
  const h = header ? (JSON.parse(JSON.stringify(header)) as { POINTER?: number; SEGMENTS?: number; CURRENT?: number }) : null;
  return h?.SEGMENTS && h.SEGMENTS > 1 ? { ref: h.POINTER ?? 0, total: h.SEGMENTS, seq: h.CURRENT ?? 1 } : null;
}

/** Builds what a network would send a phone: a DELIVER from `from` (the far-end simulator uses it). */
export function deliverPdu(from: string, text: string, countryCode: string): string {
  return new Deliver(toInternational(from, countryCode), text).getPartStrings()[0];
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
