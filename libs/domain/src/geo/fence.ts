import pointInPolygon from 'point-in-polygon-hao';
import { bboxOf, circleBBox, distanceM, outlines, type AreaGeometry, type BBox, type Circle, type LonLat, type PolygonGeometry } from './geometry';
import { fenceEdges, ringWithin, type FenceEdges } from './polygon-within';

/** What an order's geofence is drawn from: polygons and circles, any mix (电子围栏). */
export interface FenceSpec {
  polygons?: PolygonGeometry[];
  circles?: Circle[];
}

/**
 * The union of an order's polygons and circles. A person is inside by their location; an area is
 * inside when its whole shape lies within one of the fence's shapes (a village split between two
 * touching polygons is not: the fence's parts are judged one by one).
 */
export class Fence {
  private readonly polygons: { geometry: PolygonGeometry; box: BBox; edges: FenceEdges }[];
  private readonly circles: { circle: Circle; box: BBox }[];

  constructor(spec: FenceSpec) {
    this.polygons = (spec.polygons ?? []).map((geometry) => ({ geometry, box: bboxOf(geometry.coordinates[0]), edges: fenceEdges(geometry.coordinates) }));
    this.circles = (spec.circles ?? []).map((circle) => ({ circle, box: circleBBox(circle) }));
  }

  get empty(): boolean {
    return this.polygons.length === 0 && this.circles.length === 0;
  }

  /** One box per shape: what storage reads candidates by, before the exact test. */
  boxes(): BBox[] {
    return [...this.polygons.map((p) => p.box), ...this.circles.map((c) => c.box)];
  }

  containsPoint(p: LonLat): boolean {
    return (
      // point-in-polygon-hao (what Turf's test runs on) called directly: a fence tests every candidate.
      this.polygons.some((s) => inBox(p, s.box) && pointInPolygon(p, s.geometry.coordinates) !== false) ||
      this.circles.some((s) => inBox(p, s.box) && distanceM(s.circle.center, p) <= s.circle.radiusM)
    );
  }

  /**
   * True when the whole area lies inside one of the fence's shapes. `work` counts the segment
   * pairs the polygon tests compared (a caller bounds what one fence may cost).
   */
  containsArea(g: AreaGeometry, work: { pairs: number } = { pairs: 0 }): boolean {
    const rings = outlines(g);
    const box = bboxOf(rings.flat());
    const inPolygon = (r: LonLat[], rbox = bboxOf(r)) => this.polygons.some((s) => boxWithin(rbox, s.box) && ringWithin(r, rbox, s.geometry.coordinates, s.edges, work));
    return (
      // Each part of the area within one of the polygons (a part straddling two is not within).
      (this.polygons.length > 0 && rings.every((r) => inPolygon(r))) ||
      // A disc is convex: a shape lies inside it when every vertex of its outline does.
      this.circles.some((s) => boxWithin(box, s.box) && rings.every((r) => r.every((p) => distanceM(s.circle.center, p) <= s.circle.radiusM)))
    );
  }
}

function inBox(p: LonLat, b: BBox): boolean {
  return p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3];
}

function boxWithin(inner: BBox, outer: BBox): boolean {
  return inner[0] >= outer[0] && inner[1] >= outer[1] && inner[2] <= outer[2] && inner[3] <= outer[3];
}
