import { createHash } from 'node:crypto';
import type { Clock } from '@lifeline/clock';
import { KeyJournal } from '@lifeline/gateway-sdk';
import { z } from 'zod';

const WEEK_MS = 7 * 86_400_000;
const MOST = 5_000;

/**
 * Messages already forwarded as replies, known by their PDU (which carries the sender and the
 * centre's time stamp, to the second). A message the modem still holds after its delete failed,
 * or a restart cut it, comes back read in the next listing: it is deleted, not forwarded again,
 * for a second bare "1" would answer the person's next order, one they never saw. Kept beside the
 * state file (`<stateFile>.forwarded`) when there is one, for a week.
 */
export class ForwardedMessages {
  private readonly seen = new Map<string, number>();
  private readonly journal: KeyJournal<number> | null;

  constructor(
    file: string | null,
    private readonly clock: Clock,
  ) {
    this.journal = file ? new KeyJournal(file, z.number().int().nonnegative()) : null;
    const since = clock.now() - WEEK_MS;
    for (const [key, at] of this.journal?.entries() ?? []) {
      if (at >= since) this.seen.set(key, at);
      else this.journal!.delete(key);
    }
  }

  has(pdu: string): boolean {
    return this.seen.has(keyOf(pdu));
  }

  /** Forwarded now: on disk before the message is deleted from the SIM. */
  add(pdu: string): Promise<void> {
    const key = keyOf(pdu);
    const at = this.clock.now();
    this.seen.set(key, at);
    this.journal?.set(key, at);
    for (const [old] of this.seen) {
      if (this.seen.size <= MOST) break;
      this.seen.delete(old); // the oldest first: a Map keeps insertion order
      this.journal?.delete(old);
    }
    return this.journal?.durable() ?? Promise.resolve();
  }

  close(): void {
    this.journal?.close();
  }
}

function keyOf(pdu: string): string {
  return createHash('sha256').update(pdu.trim().toUpperCase()).digest('hex').slice(0, 32);
}
