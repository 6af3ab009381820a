import { Fence, type AreaTree, type FenceSpec } from '@lifeline/domain';
import type { DirectoryStore } from '@lifeline/store';
import { inScope, type Principal } from './principal';

/** Whom an order's geofence reaches, for storage to insert. */
export interface FenceMatch {
  /** People located inside the fence. */
  locatedIds: string[];
  /** Areas whose whole shape lies inside the fence (the topmost of each branch): their people without a location. */
  shapeAreas: string[];
  /** Every area a match lies in, for the order's scope. */
  areas: Set<string>;
}

const NONE: FenceMatch = { locatedIds: [], shapeAreas: [], areas: new Set() };

/**
 * Resolves a geofence against the directory: people by their location (candidates read by box,
 * then tested exactly), people without one by their area's shape. A scoped token's fence stops
 * at its areas' borders, silently: what lies beyond is neither reached nor revealed.
 */
export async function fenceReach(directory: DirectoryStore, tree: AreaTree, p: Principal, spec: FenceSpec): Promise<FenceMatch> {
  const fence = new Fence(spec);
  if (fence.empty) return NONE;
  const scoped = new Map<string, boolean>();
  const allowed = (area: string) => {
    let ok = scoped.get(area);
    if (ok === undefined) scoped.set(area, (ok = inScope(p, tree, area)));
    return ok;
  };
  const located = new Set<string>();
  const areas = new Set<string>();
  for (const box of fence.boxes())
    for (const r of await directory.locatedIn(box))
      if (!located.has(r.id) && allowed(r.area) && fence.containsPoint([r.lon, r.lat])) {
        located.add(r.id);
        areas.add(r.area);
      }
  const shapeAreas = topmost(tree, tree.all().filter((a) => a.geometry && fence.containsArea(a.geometry)).map((a) => a.code))
    .flatMap((code) => (allowed(code) ? [code] : (p.areas ?? []).filter((mine) => tree.has(mine) && tree.isWithin(mine, code))));
  for (const a of shapeAreas) areas.add(a);
  // In id order: storage then looks people up and appends deliveries along its keys, not all over them.
  return { locatedIds: [...located].sort(), shapeAreas, areas };
}

/** The codes none of whose ancestors is among them. */
function topmost(tree: AreaTree, codes: readonly string[]): string[] {
  const set = new Set(codes);
  return codes.filter((c) => !tree.lineage(c).slice(1).some((a) => set.has(a)));
}
