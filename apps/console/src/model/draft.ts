import type { Priority } from '@lifeline/domain';

/** An order being composed: what the composer's fields hold. */
export interface Draft {
  priority: Priority;
  body: string;
  summary: string;
  ackRequired: boolean;
  ackWithinMin: number;
  ttlMin: number;
  areas: string[];
  roles: string[];
  people: { id: string; name: string }[];
  /** Circles drawn on the map (电子围栏): centre [lon, lat], radius in metres. */
  circles: Circle[];
  /** Polygons drawn on the map (电子围栏): each its corners [lon, lat] in order, the ring not yet closed. */
  polygons: Corners[];
}

export type Corners = [number, number][];

export interface Circle {
  center: [number, number];
  radiusM: number;
}

export const EMPTY_DRAFT: Draft = { priority: 'immediate', body: '', summary: '', ackRequired: true, ackWithinMin: 10, ttlMin: 60, areas: [], roles: [], people: [], circles: [], polygons: [] };

/** At most this many people an order may list (the contract's bound). */
export const MAX_LISTED = 10_000;

export const hasTargets = (d: Draft) => d.areas.length > 0 || d.people.length > 0 || d.circles.length > 0 || d.polygons.length > 0;

/** The targets a draft's fences and areas add; what is left of it for the rest of a long people list. */
export const NO_PLACES = { areas: [], circles: [], polygons: [] } satisfies Partial<Draft>;

/** The order as the API takes it; roles narrow areas and fences only (listed people are always reached). */
export function orderOf(d: Draft, people = d.people.map((p) => p.id)) {
  const to: { areas?: string[]; people?: string[]; roles?: string[]; circles?: Circle[]; polygons?: { type: 'Polygon'; coordinates: Corners[] }[] } = {};
  if (d.areas.length) to.areas = d.areas;
  if (people.length) to.people = people;
  if (d.circles.length) to.circles = d.circles.map((c) => ({ center: c.center, radiusM: Math.round(c.radiusM) }));
  // GeoJSON rings are closed: the first corner again at the end.
  if (d.polygons.length) to.polygons = d.polygons.map((corners) => ({ type: 'Polygon', coordinates: [[...corners, corners[0]]] }));
  if (d.roles.length && (d.areas.length || d.circles.length || d.polygons.length)) to.roles = d.roles;
  return {
    priority: d.priority,
    to,
    body: d.body,
    ...(d.summary.trim() ? { summary: d.summary.trim() } : {}),
    ackRequired: d.ackRequired,
    ackWithinS: Math.max(1, Math.round(d.ackWithinMin * 60)),
    ttlS: Math.max(1, Math.round(d.ttlMin * 60)),
  };
}

/** Common orders, in the words dispatchers use. */
export const TEMPLATES: Record<'typhoon' | 'flood' | 'quake', Pick<Draft, 'priority' | 'body' | 'summary' | 'ackRequired' | 'ackWithinMin' | 'ttlMin' | 'roles'>> = {
  typhoon: {
    priority: 'flash',
    body: '台风今晚登陆，请立即组织沿海低洼地带、危旧房屋和地质灾害隐患点群众向避灾安置点转移，转移完毕后回复人数。',
    summary: '台风今晚登陆，立即转移沿海群众',
    ackRequired: true,
    ackWithinMin: 5,
    ttlMin: 60,
    roles: ['village-head'],
  },
  flood: {
    priority: 'flash',
    body: '山洪预警：上游持续强降雨，请立即组织沿河、沟谷两侧群众向高处转移，严禁人员涉水过河。',
    summary: '山洪：立即组织沿河群众上山转移',
    ackRequired: true,
    ackWithinMin: 5,
    ttlMin: 60,
    roles: ['village-head', 'grid-worker'],
  },
  quake: {
    priority: 'immediate',
    body: '地震发生后请立即排查辖区人员伤亡和房屋倒塌情况，组织群众到空旷地带避险，并在30分钟内回复情况。',
    summary: '地震：排查伤亡，群众到空旷处避险',
    ackRequired: true,
    ackWithinMin: 30,
    ttlMin: 180,
    roles: ['village-head', 'town-official', 'rescue-team'],
  },
};

/**
 * A fresh clientRef. Not `crypto.randomUUID()`: browsers give it only to secure contexts, and a
 * console on a closed network is often plain HTTP at a LAN address; getRandomValues works there.
 */
export function newClientRef(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `web-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}
