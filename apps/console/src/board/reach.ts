import type { Areas } from '../model/areas';

/** How many people, towns and counties an order reaches: from a preview's counts by area and the area tree. */
export function reachOf(areas: Areas, reach: { people: number; areas: readonly { area: string; people: number }[] }): { people: number; towns: number; counties: number } {
  const towns = new Set<string>();
  const counties = new Set<string>();
  for (const a of reach.areas) {
    if (a.people <= 0) continue;
    const line = areas.lineage(a.area).reverse(); // root (the city) first
    if (line[2]) towns.add(line[2]);
    if (line[1]) counties.add(line[1]);
  }
  return { people: reach.people, towns: towns.size, counties: counties.size };
}
