import type { Principal } from '@lifeline/engine';
import type { AreaTree } from '@lifeline/domain';

/** Whether an event or order about `areaPath` concerns a principal: the areas overlap. */
export function visibleTo(p: Principal, tree: AreaTree, areaPath: string | null): boolean {
  if (p.areas === null) return true;
  if (areaPath === null) return false;
  return p.areas.some((a) => {
    if (!tree.has(a)) return false;
    const scope = tree.path(a);
    return areaPath.startsWith(scope) || scope.startsWith(areaPath);
  });
}
