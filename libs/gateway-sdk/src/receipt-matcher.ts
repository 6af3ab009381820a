import { BoundedMap } from '@lifeline/domain';


/**
 * Matches a device's receipts to what was sent under the device's own key (an SMPP message id, an
 * AT message reference). A receipt may be read before the response that names its key is handled
 * (both in one read from the device): it is held for `holdMs` and applied when `expect` names the
 * key. Older held receipts are dropped, so a recycled key (AT references wrap at 255) never picks
 * up a stale one.
 */
export class ReceiptMatcher<K, V> {
  private readonly known: BoundedMap<K, V>;
  private readonly early = new BoundedMap<K, { at: number; apply: (v: V) => void }>(10_000);

  constructor(
    private readonly clock: Clock,
    private readonly holdMs = 10_000,
    limit = 200_000,
  ) {
    this.known = new BoundedMap(limit);
  }

  /** `key` now stands for `value`; a receipt that came early for it is applied now. */
  expect(key: K, value: V): void {
    this.known.set(key, value);
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

  forget(key: K): void {
    this.known.delete(key);
  }
}import type { Clock } from '@lifeline/clock';

