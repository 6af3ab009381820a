import type { Areas } from '../model/areas';
import type { ChannelStateView } from '../model/types';

/** The channel states that hold in `area`: the nearest state stated for it or an area above it. */
export function statesAt(areas: Areas, states: readonly ChannelStateView[], area: string): Map<string, ChannelStateView> {
  const out = new Map<string, ChannelStateView>();
  const line = areas.lineage(area);
  for (const s of states) {
    const at = line.indexOf(s.area);
    if (at < 0) continue;
    const held = out.get(s.channel);
    if (!held || line.indexOf(held.area) > at) out.set(s.channel, s);
  }
  return out;
}
