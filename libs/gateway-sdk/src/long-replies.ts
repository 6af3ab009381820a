import type { Clock } from '@lifeline/clock';
import { BoundedMap } from '@lifeline/domain';

/** A concatenated SMS part's header (3GPP 23.040 IE 0x00 / 0x08): which message, of how many parts, which part. */
export interface Concat {
  ref: number;
  total: number;
  seq: number;
}

interface Pending {
  parts: string[];
  got: number;
  cancel: () => void;
}

/**
 * A long answer a person types arrives as several SMS (deliver_sm from an SMS centre, +CMT or
 * +CMGL from a modem), each with its part of the text and a concatenation header; the router must get one reply, not several. Parts are joined in order
 * once all came; if one never comes, what did come is passed on after `waitMs` (a reply with a
 * part missing still carries the ref and the "1" a person typed first).
 */
export class LongReplies {
  private readonly pending = new BoundedMap<string, Pending>(10_000);

  constructor(
    private readonly clock: Clock,
    private readonly waitMs: number,
    private readonly emit: (from: string, text: string) => void,
  ) {}

  add(from: string, concat: Concat | null, text: string): void {
    if (!concat || concat.total <= 1) return this.emit(from, text);
    if (concat.seq < 1 || concat.seq > concat.total) return; // a header no phone makes
    const key = `${from}/${concat.ref}/${concat.total}`;
    let p = this.pending.get(key);
    if (!p) {
      const entry: Pending = { parts: new Array<string>(concat.total).fill(''), got: 0, cancel: () => undefined };
      entry.cancel = this.clock.schedule(this.clock.now() + this.waitMs, () => this.flush(key, from));
      this.pending.set(key, (p = entry));
    }
    if (p.parts[concat.seq - 1]) return; // a repeat of a part already here
    p.parts[concat.seq - 1] = text;
    if (++p.got === concat.total) {
      p.cancel();
      this.flush(key, from);
    }
  }

  private flush(key: string, from: string): void {
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    this.emit(from, p.parts.join(''));
  }
}
