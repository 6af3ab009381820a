import { CHANNEL_KINDS } from './channel';
import { CHANNEL_CATALOG, Channels } from './channel-catalog';

describe('the channel catalog', () => {
  it('knows every channel kind, and what an outage does to it', () => {
    expect(Object.keys(CHANNEL_CATALOG).sort()).toEqual([...CHANNEL_KINDS].sort());
    // Only the public network falls with a network outage; only fixed ground sites need mains.
    expect(CHANNEL_KINDS.filter((k) => CHANNEL_CATALOG[k].fallsWithNetwork)).toEqual(['public']);
    for (const k of CHANNEL_KINDS) if (CHANNEL_CATALOG[k].onMains) expect(CHANNEL_CATALOG[k].reach).toBe('ground');
    // A drone cell reaches ordinary phones, from the air.
    expect(CHANNEL_CATALOG.drone).toMatchObject({ terminal: 'public', reach: 'air' });
  });

  it('answers for configured channels by id, one set for every part', () => {
    const spec = (id: string, kind: (typeof CHANNEL_KINDS)[number]) => ({ id, kind }) as never;
    const channels = new Channels([spec('sms', 'public'), spec('radio', 'pdt'), spec('uav', 'drone'), spec('bd', 'beidou')]);
    expect(channels.ids).toEqual(['sms', 'radio', 'uav', 'bd']);
    expect(channels.ground()).toEqual(['sms', 'radio']);
    expect(channels.facts('bd')?.narrowband).toBe(true);
    expect(channels.get('fax')).toBeUndefined();
  });
});
