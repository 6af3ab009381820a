import { decodeContent, encodeContent, encodeSentence, waitMs, type ContentMode, type Sentence } from './rdss';

export interface Feedback {
  ok: boolean;
  /** How long until the card may send again (interval not reached, or after a send). */
  waitMs: number;
  reason: string;
}

/** How one generation of Beidou terminals says send, feedback and received. */
export interface Dialect {
  send(to: string, text: string, urgent: boolean): string;
  feedback(s: Sentence): Feedback | null;
  received(s: Sentence): { from: string; text: string } | null;
}

/** BDS-2 RDSS 2.1: `$CCTXA` / `$BDFKI,TXA,...` / `$BDTXR`. */
export function rdss2(mode: ContentMode): Dialect {
  return {
    send: (to, text, urgent) => encodeSentence('CC', 'TXA', [to, urgent ? 0 : 1, mode, encodeContent(text, mode)]),
    feedback: (s) => {
      if (s.type !== 'FKI' || s.fields[0] !== 'TXA') return null;
      const [, executed, frequencyOk, inhibit, wait] = s.fields;
      const ok = executed === 'Y';
      const reason = ok ? 'sent' : frequencyOk !== 'Y' ? 'service interval not reached' : inhibit !== '0' ? 'transmission inhibited' : 'refused by the terminal';
      return { ok, waitMs: waitMs(wait), reason };
    },
    received: (s) => (s.type === 'TXR' && s.fields.length >= 5 ? { from: s.fields[1], text: decodeContent(s.fields[4], Number(s.fields[2])) } : null),
  };
}

const TCQ_REASONS: Record<string, string> = {
  '1': 'service interval not reached', '2': 'transmission inhibited', '3': 'radio silence', '4': 'power not locked', '5': 'no card', '6': 'no permission',
};

/**
 * BDS-3 regional short messages: `$CCTCQ,<to>,<freq point>,<confirm 1 no | 2 yes>,<encoding>,<hex>,0`,
 * feedback `$BDFKI,<hhmmss>,TCQ,<Y/N>,<reason>,<remaining s>`, received `$BDTCI,<from>,<to>,<freq>,
 * <hhmmss>,<encoding>,<?>,<hex>`. Content is GB2312 hex; the encoding number is the configured one
 * (assumed: the public notes do not say which of 1-5 means what).
 */
export function bds3(encoding: number, frequencyPoint: number, confirm: boolean): Dialect {
  return {
    send: (to, text) => encodeSentence('CC', 'TCQ', [to, frequencyPoint, confirm ? 2 : 1, encoding, encodeContent(text, 0), 0]),
    feedback: (s) => {
      if (s.type !== 'FKI' || s.fields[1] !== 'TCQ') return null;
      const [, , result, reason, remaining] = s.fields;
      const ok = result === 'Y';
      return { ok, waitMs: Number(remaining || 0) * 1000, reason: ok ? 'sent' : TCQ_REASONS[reason] ?? `refused (${reason})` };
    },
    received: (s) => (s.type === 'TCI' && s.fields.length >= 7 ? { from: s.fields[0], text: decodeContent(s.fields[6], 0) } : null),
  };
}
