import type { ChannelSpec } from './channel';
import type { Terminals } from './person';
import type { Reach } from './reach';

/** Channels a person holds a terminal for, in the order's preference. */
export function personChannels(
  preference: readonly string[],
  specs: { get(id: string): ChannelSpec | undefined },
  terminals: Terminals,
): string[] {
  return preference.filter((id) => {
    const spec = specs.get(id);
    return spec !== undefined && Boolean(terminals[spec.terminal]);
  });
}

/** Of `channels`, the ones that reach `area` now (up or degraded), order kept. */
export function reachableNow(channels: readonly string[], area: string, reach: Reach, now: number): string[] {
  return channels.filter((c) => reach.state(c, area, now) !== 'down');
}
