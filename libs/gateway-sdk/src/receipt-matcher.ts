import type { Clock } from '@lifeline/clock';
import { BoundedMap } from '@lifeline/domain';
import type { KeyJournal } from './key-journal';

/**
 * Matches a device's receipts to what was sent under the device's own key (an SMPP message id, an
 * AT message reference). A receipt may be read before the response that names its key is handled
 * (both in one read from the device): it is held for `holdMs` and applied when `expect` names the
 * key. Older held receipts are dropped, so a recycled key (AT references wrap at 255) never picks
 * up a stale one. With a journal, the keys and what they stand for survive an adapter restart: a
 * receipt that comes after it still finds its attempt.
 */
export class ReceiptMatcher<K, V> {
  private readonly known: BoundedMap<K, V>;
  private readonly early = new BoundedMap<K, { at: number; apply: (v: V) => void }>(10_000);

  constructor(
    private readonly clock: Clock,
    private readonly holdMs = 10_000,
    limit = 200_000,
    private readonly journal: KeyJournal<{ key: K; value: V }> | null = null,
    /** Whom what a key stands for went to, when known: a receipt from someone else is not its. */
    private readonly recipientOf: (v: V) => string | undefined = () => undefined,
  ) {
    this.known = new BoundedMap(limit);
    for (const [, e] of journal?.entries() ?? []) this.known.set(e.key, e.value);
  }

  /** `key` now stands for `value` (durably, with a journal); a receipt that came early for it is applied now. */
  expect(key: K, value: V): void {
    this.known.set(key, value);
    this.journal?.set(String(key), { key, value });
    const held = this.early.get(key);
    if (!held) return;
    this.early.delete(key);
    if (this.clock.now() - held.at <= this.holdMs) held.apply(value);
  }

  /** A receipt for `key`: applied to its value now, or held until `expect` names the key. */
  receipt(key: K, apply: (v: V) => void): void {
    const v = this.known.get(key);
    if (v !== undefined) return apply(v);
    this.early.set(key, { at: this.clock.now(), apply });
  }

  /**
   * A receipt for a key the device has just given again (its response is read, not yet handled):
   * held for the next `expect` of the key, never applied to what the key stood for before (a
   * recycled AT reference whose old report never came).
   */
  receiptForNext(key: K, apply: (v: V) => void): void {
    const at = this.clock.now();
    this.early.set(key, { at, apply });
    // No newer send named the key within the hold: it was the older one's after all (a receipt
    // whose recipient is written another way than the send's must not be lost).
    this.clock.schedule(at + this.holdMs, () => {
      if (this.early.get(key)?.apply !== apply) return;
      this.early.delete(key);
      const v = this.known.get(key);
      if (v !== undefined) apply(v);
    });
  }

  forget(key: K): void {
    this.known.delete(key);
    this.journal?.delete(String(key));
  }

  /** Resolves once the keys expected so far are on disk (at once without a journal). */
  durable(): Promise<void> {
    return this.journal?.durable() ?? Promise.resolve();
  }

  /**
   * A receipt for `key` from `recipient`: for what the key stands for now, unless the device has
   * just given the key again (`given`: its response in hand, not yet handled) or what it stands
   * for went to someone else; then it is held for the newer send (`receiptForNext`).
   */
  receiptFrom(key: K, recipient: string | null, apply: (v: V) => void, given = false): void {
    const v = this.known.get(key);
    if (given || !receiptIsFor(v === undefined ? undefined : { to: this.recipientOf(v) }, recipient)) return this.receiptForNext(key, apply);
    this.receipt(key, apply);
  }

  /** Whether `key` still stands for something (its receipt has not come). */
  knows(key: K): boolean {
    return this.known.get(key) !== undefined;
  }
}

/**
 * Whether a receipt can be for what its key stood for: not when that went to someone else (the
 * key was given again, a reference wrapped round or an SMS centre's ids restarted, and the
 * receipt is a newer send's, whose key is not named yet). Without a recipient on either side,
 * it is taken to be.
 */
export function receiptIsFor(sent: { to?: string } | undefined, recipient: string | null): boolean {
  return !sent?.to || recipient === null || sent.to === recipient;
}
