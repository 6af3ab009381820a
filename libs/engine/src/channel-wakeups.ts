import type { Clock } from '@lifeline/clock';
import type { AreaTree } from '@lifeline/domain';
import { OUT_STATUSES } from '@lifeline/machines';
import type { Storage } from '@lifeline/store';
import type { ChannelChange, ChannelHealth } from './channel-health';
import type { DeliveryEngine } from './delivery-engine';
import type { Tasks } from './tasks';
import { storageRetryMs } from './storage-retry';

const PAGE = 1_000;

/**
 * When a channel comes up somewhere, the deliveries waiting there try again; when it goes down,
 * the ones out on it move on. Page by page, each page's events committed before the next.
 */
export class ChannelWakeups {
  constructor(
    private readonly store: Storage,
    private readonly clock: Clock,
    private readonly tree: AreaTree,
    private readonly engine: DeliveryEngine,
    health: ChannelHealth,
    private readonly tasks: Tasks,
  ) {
    health.changes$.subscribe((c) => tasks.track(this.wakeUntilDone(c)));
  }

  /**
   * A wake-up that fails (a page not read: storage failing) is tried again, later and later: no
   * other change of the channel may come to move the deliveries waiting there before they expire.
   */
  private async wakeUntilDone(c: ChannelChange, tries = 0): Promise<void> {
    try {
      await this.wake(c);
    } catch (e) {
      if (this.tasks.stopped) return;
      const delayMs = storageRetryMs(tries);
      this.tasks.log.warn(`channel ${c.channel} ${c.to} in ${c.area}: moving its deliveries failed (${(e as Error).message}); trying again in ${delayMs} ms`);
      this.clock.schedule(this.clock.now() + delayMs, () => this.tasks.stopped || this.tasks.track(this.wakeUntilDone(c, tries + 1)));
    }
  }

  private async wake({ channel, area, from, to }: ChannelChange): Promise<void> {
    const usable = to !== 'down';
    if (usable === (from !== 'down')) return; // up <-> degraded moves nobody
    const statuses = usable ? ['queued'] : OUT_STATUSES;
    type Cursor = { after: { areaPath: string; id: string } | null };
    await this.engine.submitPages<Cursor>(
      { after: null },
      async ({ after }) => {
        const page = await this.store.read.deliveries.inSubtree(statuses, this.tree.path(area), after, PAGE, usable ? undefined : channel);
        const last = page.at(-1);
        return { ids: page.map((r) => r.id), next: last && page.length === PAGE ? { after: { areaPath: last.area_path, id: last.id } } : null };
      },
      () => ({ type: 'CHANNEL_CHANGED', at: this.clock.now() }),
      { stop: () => this.tasks.stopped }, // a stop is no reason to move anyone
    );
  }
}
