import { inScope, type Principal } from '@lifeline/engine';
import type { Area, AreaTree } from '@lifeline/domain';

/**
 * Whether something about `areaPath` is a principal's business: it lies within one of the
 * principal's areas. With `ancestorsToo` (channel states), a state of an area above counts too:
 * a city-wide outage concerns a county desk.
 */
export function visibleTo(p: Principal, tree: AreaTree, areaPath: string | null, ancestorsToo = false): boolean {
  if (p.areas === null) return true;
  if (areaPath === null) return false;
  return p.areas.some((a) => {
    if (!tree.has(a)) return false;
    const scope = tree.path(a);
    return areaPath.startsWith(scope) || (ancestorsToo && scope.startsWith(areaPath));
  });
}

/**
 * What a drill officer sees on the event stream: channel states and relay missions, the world a
 * drill changes. Not receipts or orders: who was told what is dispatch's business.
 */
const DRILL_EVENTS = /^(channel|relay\.[a-z]+)$/;

/** Event frames: channel states reach down to the areas below them; drills see only the world. */
export function eventVisibleTo(p: Principal, tree: AreaTree, type: string, areaPath: string | null): boolean {
  if (p.role === 'drill' && !DRILL_EVENTS.test(type)) return false;
  return visibleTo(p, tree, areaPath, type === 'channel');
}

/** Areas a principal is shown: its own subtrees and the areas above them (for context), no others. */
export function areasVisibleTo(p: Principal, tree: AreaTree, areas: readonly Area[]): Area[] {
  return p.areas === null ? [...areas] : areas.filter((a) => visibleTo(p, tree, tree.path(a.code), true));
}

/**
 * Whether a token whose areas are `areas` (null: everywhere) is an admin's business: all of them
 * within the admin's own. A county's admin sees, revokes and reads the audit trail of the county's
 * tokens, not the city's (nor a token for everywhere).
 */
export function tokenWithin(p: Principal, tree: AreaTree, areas: readonly string[] | null): boolean {
  if (p.areas === null) return true;
  return areas !== null && areas.every((a) => inScope(p, tree, a));
}
