import { sendable, MAX_CIRCLE_RADIUS_M, MAX_FENCE_CIRCLES, MAX_FENCE_POLYGONS, MAX_FENCE_VERTICES, polygonProblems, type Circle, type OrderSpec, type PolygonGeometry, type Priority } from '@lifeline/domain';
import type { CapAlert, CapArea, CapCertainty, CapInfo, CapResponseType, CapSeverity, CapUrgency } from './cap-alert';
import { CapInvalid, type CapIssue } from './element-reader';
import { DIVISION_CODE_FORM } from './order-to-cap';

/** How alerts become orders: the operator's choices, from config (`cap:`). */
export interface CapPolicy {
  /** Preferred languages, best first: the infos in the first one present become orders. */
  languages: string[];
  /** Geocode `valueName`s read as area codes, and codes named outright (geocode value -> area code). */
  geocodes: { valueNames: string[]; map: Record<string, string> };
  /** The first rule whose lists all hold the info's value sets the priority; a list left out matches anything. */
  priority: { severity?: CapSeverity[]; urgency?: CapUrgency[]; certainty?: CapCertainty[]; priority: Priority }[];
  defaultPriority: Priority;
  /** Response types that ask for an answer (叫应). */
  answerFor: CapResponseType[];
  ackWithinS: number;
  /** For an info without `expires`. */
  defaultTtlS: number;
}

/** One order to make: an info of the alert crossed with one of its areas. */
export interface CapOrderPlan {
  info: number;
  area: number;
  areaDesc: string;
  spec: OrderSpec;
  /** Geocodes that name nothing in this router's code system. */
  unmapped: string[];
}

export interface CapSkip {
  info: number;
  area: number | null;
  reason: string;
}

const MAX_BODY = 4_000;
const MAX_SUMMARY = 500;
const MIN_TTL_S = 10;
const MAX_TTL_S = 30 * 86_400;
/** An order's own limits (the API's, `orderTargets`), and how many orders one alert may make. */
const MAX_AREAS = 100;

/**
 * Turns an alert's infos (those in the preferred language) and their areas into order specs.
 * Pure: which areas exist and lie in a token's scope is the caller's to check.
 * A polygon that cannot be a fence is an invalid alert (`CapInvalid`, naming the element).
 */
export function planOrders(alert: CapAlert, policy: CapPolicy, now: number): { plans: CapOrderPlan[]; skipped: CapSkip[] } {
  const plans: CapOrderPlan[] = [];
  const skipped: CapSkip[] = [];
  const issues: CapIssue[] = [];
  const language = chooseLanguage(alert.infos, policy.languages);
  // Each area becomes an order: an alert of thousands of areas would be thousands of orders.
  const areaCount = alert.infos.filter((info) => info.language === language).reduce((n, info) => n + info.areas.length, 0);
  if (areaCount > MAX_AREAS) throw new CapInvalid([{ path: 'alert.info', message: `at most ${MAX_AREAS} areas in the ${language} infos of one alert (each becomes an order), got ${areaCount}` }]);
  alert.infos.forEach((info, i) => {
    if (info.language !== language) return void skipped.push({ info: i, area: null, reason: `language ${info.language}: orders are made from the ${language} info` });
    const expiresAt = info.expires ? Date.parse(info.expires) : now + policy.defaultTtlS * 1000;
    const ttlS = Math.min(MAX_TTL_S, Math.floor((expiresAt - now) / 1000));
    if (ttlS < MIN_TTL_S) return void skipped.push({ info: i, area: null, reason: `expired at ${info.expires}` });
    if (!info.areas.length) return void skipped.push({ info: i, area: null, reason: 'no area: an info without one targets nobody here' });
    info.areas.forEach((area, a) => {
      const path = `alert.info.${i}.area.${a}`;
      if (area.polygons.length > MAX_FENCE_POLYGONS) return void issues.push({ path, message: `at most ${MAX_FENCE_POLYGONS} polygons in an area (an order's limit), got ${area.polygons.length}` });
      if (area.circles.length > MAX_FENCE_CIRCLES) return void issues.push({ path, message: `at most ${MAX_FENCE_CIRCLES} circles in an area (an order's limit), got ${area.circles.length}` });
      const vertices = area.polygons.reduce((n, ring) => n + ring.length, 0);
      if (vertices > MAX_FENCE_VERTICES) return void issues.push({ path, message: `at most ${MAX_FENCE_VERTICES} polygon vertices in an area (an order's limit), got ${vertices}` });
      // A polygon that cannot be a fence makes the whole alert invalid (thrown below, with its path).
      const polygons: PolygonGeometry[] = [];
      area.polygons.forEach((ring, k) => {
        const problems = polygonProblems([ring]);
        problems.forEach((p) => issues.push({ path: `${path}.polygon.${k}`, message: p.message }));
        if (!problems.length) polygons.push({ type: 'Polygon', coordinates: [ring] });
      });
      const circles: Circle[] = [];
      area.circles.forEach((c, k) => {
        if (c.radiusKm * 1000 > MAX_CIRCLE_RADIUS_M) issues.push({ path: `${path}.circle.${k}`, message: `a radius of at most ${MAX_CIRCLE_RADIUS_M / 1000} km, got ${c.radiusKm}` });
        else if (c.radiusKm > 0) circles.push({ center: c.center, radiusM: c.radiusKm * 1000 });
      });
      const { areas, unmapped } = mapGeocodes(area, policy);
      const to = {
        ...(areas.length ? { areas } : {}),
        ...(polygons.length ? { polygons } : {}),
        ...(circles.length ? { circles } : {}),
      };
      if (!areas.length && !polygons.length && !circles.length) {
        skipped.push({ info: i, area: a, reason: `nothing to target: no polygon, no circle above 0 km, no geocode this router reads${unmapped.length ? ` (${unmapped.join(', ')})` : ''}` });
        return;
      }
      const ackRequired = info.responseTypes.some((r) => policy.answerFor.includes(r));
      plans.push({
        info: i,
        area: a,
        areaDesc: area.areaDesc,
        unmapped,
        spec: {
          priority: priorityOf(info, policy),
          to,
          body: clip(info.instruction ?? info.description ?? info.headline ?? info.event, MAX_BODY),
          summary: clip(info.headline ?? info.event, MAX_SUMMARY),
          ackRequired,
          ackWithinS: Math.max(MIN_TTL_S, Math.min(policy.ackWithinS, ttlS)),
          ttlS,
        },
      });
    });
  });
  if (issues.length) throw new CapInvalid(issues);
  return { plans, skipped };
}

/** The first preferred language any info is in (`zh` takes `zh-CN`); else the first info's. */
export function chooseLanguage(infos: readonly CapInfo[], preferred: readonly string[]): string | undefined {
  for (const want of preferred.map((l) => l.toLowerCase())) {
    const hit = infos.find((i) => i.language.toLowerCase() === want) ?? infos.find((i) => i.language.toLowerCase().startsWith(`${want}-`));
    if (hit) return hit.language;
  }
  return infos[0]?.language;
}

/**
 * Geocodes to area codes: a code named in the map, or, for the value names read as area codes,
 * a 12-digit statistical division code (GB/T 2260's six digits, then town and village) cut to
 * the level it names: 330102000000 -> 330102, 330102001000 -> 330102001.
 */
export function mapGeocodes(area: CapArea, policy: CapPolicy): { areas: string[]; unmapped: string[] } {
  const names = new Set(policy.geocodes.valueNames.map((n) => n.toLowerCase()));
  const areas = new Set<string>();
  const unmapped: string[] = [];
  for (const g of area.geocodes) {
    const named = policy.geocodes.map[g.value];
    if (named) areas.add(named);
    else if (names.has(g.valueName.toLowerCase()) && DIVISION_CODE_FORM.test(g.value)) areas.add(trimDivisionCode(g.value));
    else unmapped.push(`${g.valueName}=${g.value}`);
  }
  return { areas: [...areas], unmapped };
}

export function trimDivisionCode(code: string): string {
  if (code.length === 12 && code.endsWith('000000')) return code.slice(0, 6);
  if (code.length === 12 && code.endsWith('000')) return code.slice(0, 9);
  return code;
}

function priorityOf(info: CapInfo, policy: CapPolicy): Priority {
  const rule = policy.priority.find(
    (r) => (!r.severity || r.severity.includes(info.severity)) && (!r.urgency || r.urgency.includes(info.urgency)) && (!r.certainty || r.certainty.includes(info.certainty)),
  );
  return rule?.priority ?? policy.defaultPriority;
}

function clip(text: string, max: number): string {
  // An alert may carry control characters (XML 1.1 allows them as references): not to handsets.
  const t = sendable(text).trim();
  if (t.length <= max) return t;
  const cut = t.slice(0, max - 1);
  return `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`; // never half of a pair
}
