/** No 0/O, 1/I: refs are read aloud over radio and typed on keypads. */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A 4–6 character order ref; `random` returns [0,1) so callers choose the source. */
export function makeRef(random: () => number, length = 4): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return s;
}

/** Finds a ref in a reply text ("A7K2 收到", "[A7K2] 1"), among the refs the caller knows are open. */
export function findRef(text: string): string[] {
  return (text.toUpperCase().match(/[A-Z2-9]{4,6}/g) ?? []).filter((t) => /^[A-HJ-NP-Z2-9]+$/.test(t));
}

const BARE_ACKS = new Set(['1', '收到', 'OK', '确认', '好', 'Y', 'YES']);

/** A bare acknowledgement ("1", "收到", "OK") that names no order. */
export function isBareAck(text: string): boolean {
  return BARE_ACKS.has(text.trim().toUpperCase());
}
