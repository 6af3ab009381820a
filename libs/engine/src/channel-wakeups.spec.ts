import { VirtualClock } from '@lifeline/clock';
import { AreaTree, SILENT_LOG } from '@lifeline/domain';
import type { Storage } from '@lifeline/store';
import { Subject } from 'rxjs';
import type { ChannelChange, ChannelHealth } from './channel-health';
import { ChannelWakeups } from './channel-wakeups';
import type { DeliveryEngine } from './delivery-engine';
import { Tasks } from './tasks';

describe('channel wake-ups', () => {
  it('tries a wake-up again when reading its deliveries failed, until it moves them', async () => {
    const clock = new VirtualClock();
    const tree = new AreaTree([{ code: '330100', name: '市', parent: null }]);
    let failures = 2;
    const store = {
      read: {
        deliveries: {
          inSubtree: async () => {
            if (failures-- > 0) throw new Error('database is locked');
            return [{ id: 'o-1:p-1', area_path: '/330100/' }];
          },
        },
      },
    } as unknown as Storage;
    const moved: string[] = [];
    const engine = {
      submitPages: async (first: unknown, page: (c: unknown) => Promise<{ ids: string[] }>) => moved.push(...(await page(first)).ids),
    } as unknown as DeliveryEngine;
    const changes = new Subject<ChannelChange>();
    const tasks = new Tasks(SILENT_LOG);
    new ChannelWakeups(store, clock, tree, engine, { changes$: changes } as unknown as ChannelHealth, tasks);
    changes.next({ channel: 'public', area: '330100', from: 'down', to: 'up' } as ChannelChange);
    await tasks.all();
    expect(moved).toEqual([]);
    await clock.advance(1_000); // the first retry fails too
    await tasks.all();
    expect(moved).toEqual([]);
    await clock.advance(2_000);
    await tasks.all();
    expect(moved).toEqual(['o-1:p-1']);
  });
});
