import { z } from 'zod';
import { MAX_CIRCLE_RADIUS_M, MAX_POLYGON_VERTICES, polygonProblems, type LonLat } from '@lifeline/domain';

/** Geometry at the boundary: GeoJSON order, [longitude, latitude] in degrees (WGS 84). */
export const lonLat = z.tuple([
  z.number().min(-180, 'expected a longitude from -180 to 180').max(180, 'expected a longitude from -180 to 180'),
  z.number().min(-90, 'expected a latitude from -90 to 90').max(90, 'expected a latitude from -90 to 90'),
]);

/** Rings before their shape is checked; the bound keeps a hostile body from costing the check. */
const rings = z.array(z.array(lonLat).max(MAX_POLYGON_VERTICES + 1)).min(1, 'expected at least the outline ring').max(100);

/** A GeoJSON Polygon that can serve as a fence: closed rings, no crossing edges, holes inside. */
export const polygonGeometry = z
  .strictObject({ type: z.literal('Polygon'), coordinates: rings })
  .superRefine((g, ctx) => {
    for (const p of polygonProblems(g.coordinates as LonLat[][])) ctx.addIssue({ code: 'custom', message: p.message, path: p.path.split('.') });
  });

export const multiPolygonGeometry = z
  .strictObject({ type: z.literal('MultiPolygon'), coordinates: z.array(rings).min(1).max(1_000) })
  .superRefine((g, ctx) => {
    g.coordinates.forEach((polygon, i) => {
      for (const p of polygonProblems(polygon as LonLat[][])) ctx.addIssue({ code: 'custom', message: p.message, path: ['coordinates', String(i), ...p.path.split('.').slice(1)] });
    });
  });

/** An area's shape in the directory. */
export const areaGeometry = z.discriminatedUnion('type', [polygonGeometry, multiPolygonGeometry]);

export const circle = z.strictObject({
  center: lonLat,
  radiusM: z.number().positive('expected a radius in metres above 0').max(MAX_CIRCLE_RADIUS_M, `expected a radius of at most ${MAX_CIRCLE_RADIUS_M} m`),
});
