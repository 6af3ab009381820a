import type { Principal } from '@lifeline/engine';
import type { AreaTree } from '@lifeline/domain';

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

/** Event frames: channel states reach down to the areas below them. */
export function eventVisibleTo(p: Principal, tree: AreaTree, type: string, areaPath: string | null): boolean {
  return visibleTo(p, tree, areaPath, type === 'channel');
}
