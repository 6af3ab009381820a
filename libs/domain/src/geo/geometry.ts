import { distance } from '@turf/distance';

/**
 * Geography as GeoJSON has it (RFC 7946): positions are [longitude, latitude] in degrees, WGS 84.
 * Latitude-first order (as CAP writes it) exists only inside the codecs that read it.
 */
export type LonLat = [number, number];
/** Linear rings: the first is the outline, any others are holes; each ring ends where it starts. */
export interface PolygonGeometry {
  type: 'Polygon';
  coordinates: LonLat[][];
}
export interface MultiPolygonGeometry {
  type: 'MultiPolygon';
  coordinates: LonLat[][][];
}
/** An area's shape: a town may be several islands. */
export type AreaGeometry = PolygonGeometry | MultiPolygonGeometry;

/** Wider than a province's warning area: a radius beyond it is a unit mistake (metres as km). */
export const MAX_CIRCLE_RADIUS_M = 500_000;

export interface Circle {
  center: LonLat;
  radiusM: number;
}

/** [west, south, east, north] */
export type BBox = [number, number, number, number];

export function bboxOf(points: Iterable<LonLat>): BBox {
  const b: BBox = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [lon, lat] of points) {
    if (lon < b[0]) b[0] = lon;
    if (lat < b[1]) b[1] = lat;
    if (lon > b[2]) b[2] = lon;
    if (lat > b[3]) b[3] = lat;
  }
  return b;
}

export function outlines(g: AreaGeometry): LonLat[][] {
  return g.type === 'Polygon' ? [g.coordinates[0]] : g.coordinates.map((p) => p[0]);
}

/** Great-circle distance in metres (Turf's haversine: exact enough at the scale of a province). */
export function distanceM(a: LonLat, b: LonLat): number {
  return distance(a, b, { units: 'meters' });
}

const EARTH_RADIUS_M = 6_371_008.8;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** The box around a circle, widened in longitude by the latitude's shrinking meridians. */
export function circleBBox(c: Circle): BBox {
  const dLat = (c.radiusM / EARTH_RADIUS_M) * (180 / Math.PI);
  const north = Math.min(89.9, Math.abs(c.center[1]) + dLat);
  const dLon = dLat / Math.cos(rad(north));
  return [c.center[0] - dLon, c.center[1] - dLat, c.center[0] + dLon, c.center[1] + dLat];
}
