import { describe, expect, it } from '@jest/globals';
import type { AreaGeometry } from '@lifeline/domain';
import { fitProjection, labelPoint, metresToUnits, svgPath } from './projection';

const square: AreaGeometry = { type: 'Polygon', coordinates: [[[120, 28], [121, 28], [121, 29], [120, 29], [120, 28]]] };
const two: AreaGeometry = { type: 'MultiPolygon', coordinates: [square.coordinates as never, [[[122, 28], [122.5, 28], [122.5, 28.5], [122, 28]]]] };

describe('the map projection', () => {
  it('fits the shapes to the width, north up, longitude shrunk by cos(latitude)', () => {
    const p = fitProjection([square], 400, 10);
    expect(p.point([120, 29])).toEqual([10, 10]);
    const [x, y] = p.point([121, 28]);
    expect(x).toBeCloseTo(390);
    // One degree of latitude is longer on the drawing than one of longitude at 28.5°N.
    expect(y - 10).toBeCloseTo(380 / Math.cos((28.5 * Math.PI) / 180));
    expect(p.height).toBe(Math.ceil(y + 10));
  });

  it('inverts what it draws', () => {
    const p = fitProjection([square, two], 800);
    const [x, y] = p.point([121.3, 28.4]);
    const [lon, lat] = p.invert(x, y);
    expect(lon).toBeCloseTo(121.3, 9);
    expect(lat).toBeCloseTo(28.4, 9);
  });

  it('draws polygons and multipolygons as SVG paths, one closed ring each', () => {
    const p = fitProjection([two], 400);
    const d = svgPath(two, p);
    expect(d.match(/M/g)).toHaveLength(2);
    expect(d.match(/Z/g)).toHaveLength(2);
    expect(d).not.toContain('NaN');
    const [lx, ly] = labelPoint(square, p);
    expect(p.invert(lx, ly)[0]).toBeCloseTo(120.5, 6);
    expect(p.invert(lx, ly)[1]).toBeCloseTo(28.5, 6);
  });

  it('puts a label inside a bent shape, where the middle of its box is outside', () => {
    // A U open to the north: the middle of its box lies in the gap between the arms.
    const u: AreaGeometry = { type: 'Polygon', coordinates: [[[120, 28], [121, 28], [121, 29], [120.7, 29], [120.7, 28.3], [120.3, 28.3], [120.3, 29], [120, 29], [120, 28]]] };
    const p = fitProjection([u], 400);
    const [lon, lat] = p.invert(...labelPoint(u, p));
    const inArm = lon < 120.3 || lon > 120.7 || lat < 28.3;
    expect([inArm, lon > 120 && lon < 121 && lat > 28 && lat < 29]).toEqual([true, true]);
  });

  it("keeps a label clear of the labels it must avoid (a county's name off its towns')", () => {
    const p = fitProjection([square], 400);
    const town = labelPoint(square, p);
    const [x, y] = labelPoint(square, p, { at: [town], gap: [60, 20] });
    expect(Math.abs(x - town[0]) >= 60 || Math.abs(y - town[1]) >= 20).toBe(true);
    const [lon, lat] = p.invert(x, y);
    expect([lon > 120 && lon < 121, lat > 28 && lat < 29]).toEqual([true, true]);
  });

  it('draws a radius in metres at the map scale: one degree of latitude is about 111 km', () => {
    const p = fitProjection([square], 400, 10);
    expect(metresToUnits(p, [120.5, 28.5], 111_320)).toBeCloseTo(p.point([120, 28])[1] - p.point([120, 29])[1], 6);
    expect(metresToUnits(p, [120.5, 28.5], 0)).toBe(0);
  });

  it('an empty map still has a size', () => {
    const p = fitProjection([], 300);
    expect(p.width).toBe(300);
    expect(Number.isFinite(p.height)).toBe(true);
  });
});
