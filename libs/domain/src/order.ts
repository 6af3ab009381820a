import type { Circle, PolygonGeometry } from './geo/geometry';
import type { Priority } from './priority';

export interface OrderTarget {
  people?: string[];
  areas?: string[];
  roles?: string[];
  /** Geofences (电子围栏): everyone inside any of them, as GeoJSON polygons (longitude first) and circles. */
  polygons?: PolygonGeometry[];
  circles?: Circle[];
}

export interface OrderSpec {
  priority: Priority;
  to: OrderTarget;
  body: string;
  summary?: string;
  ackRequired: boolean;
  ackWithinS: number;
  ttlS: number;
}

/**
 * How an order reached a person, most specific first: listed by id, in a targeted area, located
 * inside a fence, or without a location in an area whose whole shape lies inside a fence.
 */
export const MATCH_KINDS = ['person', 'area', 'location', 'area-shape'] as const;
export type MatchKind = (typeof MATCH_KINDS)[number];

export interface Order extends OrderSpec {
  id: string;
  ref: string;
  clientRef: string;
  createdAt: number;
  expiresAt: number;
}

/** Delivery ids are derived, so an order's deliveries can be inserted by one set-based statement. */
export function deliveryId(orderId: string, personId: string): string {
  return `${orderId}:${personId}`;
}

export function attemptId(deliveryId: string, attempt: number): string {
  return `${deliveryId}#${attempt}`;
}

export function parseAttemptId(id: string): { deliveryId: string; attempt: number } | null {
  const i = id.lastIndexOf('#');
  if (i <= 0) return null;
  const attempt = Number(id.slice(i + 1));
  if (!Number.isInteger(attempt) || attempt < 1) return null;
  return { deliveryId: id.slice(0, i), attempt };
}
