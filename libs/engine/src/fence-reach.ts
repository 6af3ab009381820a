import { yieldTurn } from '@lifeline/clock';
import { Fence, type AreaTree, type BBox, type FenceSpec } from '@lifeline/domain';
import type { DirectoryStore } from '@lifeline/store';
import { inScope, scopePaths, type Principal } from './principal';
import { RequestError } from './request-error';

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
const YIELD_EVERY = 5_000;
/**
 * Most pairs the area-shape tests of one fence may compare (an area's points and edges with the
 * fence's edges, some tens of nanoseconds each): the largest fence allowed (10,000 vertices)
 * around the 1,111 areas of a million-person city compares about eleven million.
 */
const MAX_SHAPE_WORK = 200_000_000;
/** Longest the area-shape tests hold the event loop before giving other work a turn. */
const SLICE_MS = 10;

const areaOf = ([w, s, e, n]: BBox) => Math.max(0, e - w) * Math.max(0, n - s);

/**
 * The boxes to read candidates by: one box around them all when it is not much larger than they
 * are together (a hundred overlapping circles are one read of the directory, not a hundred),
 * else each shape's own.
 */
function candidateBoxes(boxes: BBox[]): BBox[] {
  if (boxes.length <= 1) return boxes;
  const all: BBox = [Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1])), Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3]))];
  return areaOf(all) <= 2 * boxes.reduce((n, b) => n + areaOf(b), 0) ? [all] : boxes;
}

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
  const tested = new Set<string>();
  // The token's areas in the query, not after it: a county desk's fence reads the county's people.
  const within = scopePaths(p, tree);
  let sinceYield = 0;
  for (const box of candidateBoxes(fence.boxes()))
    for (const r of await directory.locatedIn(box, within)) {
      if (tested.has(r.id)) continue;
      tested.add(r.id);
      // A large fence tests many people: other requests and deliveries go on meanwhile.
      if (++sinceYield === YIELD_EVERY) {
        sinceYield = 0;
        await yieldTurn();
      }
      if (allowed(r.area) && fence.containsPoint([r.lon, r.lat])) {
        located.add(r.id);
        areas.add(r.area);
      }
    }
  const shapeAreas = (await areasWithin(tree, fence))
    .flatMap((code) => (allowed(code) ? [code] : (p.areas ?? []).filter((mine) => tree.has(mine) && tree.isWithin(mine, code))));
  for (const a of shapeAreas) areas.add(a);
  // In id order: storage then looks people up and appends deliveries along its keys, not all over them.
  return { locatedIds: [...located].sort(), shapeAreas, areas };
}

/**
 * The areas whose whole shape lies inside the fence, the topmost of each branch, parents before
 * children (an area inside needs none of its children tested). The tests give other work a turn every few milliseconds,
 * and a fence whose tests compare more than MAX_SHAPE_WORK segment pairs is refused.
 */
async function areasWithin(tree: AreaTree, fence: Fence): Promise<string[]> {
  const depth = (code: string) => tree.path(code).length;
  const shaped = tree.all().filter((a) => a.geometry).sort((a, b) => depth(a.code) - depth(b.code));
  const inside = new Set<string>();
  const work = { pairs: 0 };
  let since = performance.now();
  for (const a of shaped) {
    if (tree.lineage(a.code).some((c) => inside.has(c))) continue;
    if (fence.containsArea(a.geometry!, work)) inside.add(a.code);
    if (work.pairs > MAX_SHAPE_WORK)
      throw new RequestError('invalid', `the geofence is too detailed to match against the areas' shapes (more than ${MAX_SHAPE_WORK.toExponential(0)} pairs of points and edges): draw it with fewer vertices`, [
        { path: 'order.to.polygons', message: 'too many vertices for the areas it covers: simplify the polygons', code: 'invalid' },
      ]);
    if (performance.now() - since > SLICE_MS) {
      await yieldTurn();
      since = performance.now();
    }
  }
  return [...inside];
}
