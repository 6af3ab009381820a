import type { OrderTarget, Priority } from '@lifeline/domain';
import type { CapAlert, CapArea, CapInfo, CapSeverity, CapUrgency } from './cap-alert';

/** An order as CAP needs it, with the names of its areas and, when it came from an alert, that alert. */
export interface OrderForCap {
  id: string;
  ref: string;
  priority: Priority;
  to: OrderTarget;
  body: string;
  summary: string | null;
  ackRequired: boolean;
  createdAt: number;
  expiresAt: number;
  cancelled: boolean;
  areaNames: Record<string, string>;
  source?: { alert: CapAlert; info: number; area: number };
}

/** Who Lifeline is in the alerts it writes, and the clock its times are written in. */
export interface CapIssuer {
  sender: string;
  senderName: string;
  /** Minutes east of UTC: 480 writes Beijing time, as Chinese warning systems exchange it. */
  utcOffsetMin: number;
}

/** A priority as CAP's urgency and severity; the inverse of the default intake rules. */
export const PRIORITY_AS_CAP: Record<Priority, { urgency: CapUrgency; severity: CapSeverity }> = {
  flash: { urgency: 'Immediate', severity: 'Extreme' },
  immediate: { urgency: 'Immediate', severity: 'Severe' },
  priority: { urgency: 'Expected', severity: 'Moderate' },
  routine: { urgency: 'Future', severity: 'Minor' },
};

/** Division codes written as geocodes: 12 digits, GB/T 2260's six then town and village. */
export const DIVISION_CODE = 'GB/T 2260';
/** An area code that is a division code at some level: 6, 9 or 12 digits. */
export const DIVISION_CODE_FORM = /^\d{6}(\d{3}){0,2}$/;
/** Beijing time, in which Chinese warning systems exchange their times. */
export const BEIJING_OFFSET_MIN = 480;

/**
 * An order as a CAP 1.2 alert from Lifeline. One made from an alert carries that alert's info
 * and area as received and references it; any other is described from its own fields. A
 * cancelled order is written as the `Cancel` of its alert. CAP polygons have no holes: a fence's
 * holes are left out (the order itself keeps them).
 */
export function orderToCap(o: OrderForCap, issuer: CapIssuer): CapAlert {
  const sent = capTime(o.createdAt, issuer.utcOffsetMin);
  const restricted = !!(o.to.people?.length || o.to.roles?.length);
  const alert: CapAlert = {
    identifier: o.id,
    sender: issuer.sender,
    sent,
    status: 'Actual',
    msgType: 'Alert',
    scope: restricted ? 'Restricted' : 'Public',
    ...(restricted ? { restriction: 'Lifeline order to named people or roles' } : {}),
    codes: [],
    note: `Lifeline ${o.ref}`,
    references: o.source ? [{ sender: o.source.alert.sender, identifier: o.source.alert.identifier, sent: o.source.alert.sent }] : [],
    infos: [o.source ? sourceInfo(o.source) : ownInfo(o, issuer)],
  };
  if (!o.cancelled) return alert;
  return { ...alert, identifier: `${o.id}.cancel`, msgType: 'Cancel', references: [{ sender: issuer.sender, identifier: o.id, sent }] };
}

function sourceInfo(s: NonNullable<OrderForCap['source']>): CapInfo {
  const info = s.alert.infos[s.info];
  return { ...info, areas: [info.areas[s.area]] };
}

function ownInfo(o: OrderForCap, issuer: CapIssuer): CapInfo {
  return {
    language: 'zh-CN',
    categories: ['Safety'],
    event: o.summary ?? 'Lifeline order',
    responseTypes: [],
    ...PRIORITY_AS_CAP[o.priority],
    certainty: 'Observed',
    eventCodes: [],
    expires: capTime(o.expiresAt, issuer.utcOffsetMin),
    senderName: issuer.senderName,
    ...(o.summary ? { headline: o.summary } : {}),
    instruction: o.body,
    parameters: o.ackRequired ? [{ valueName: 'answerRequired', value: `reply "${o.ref} 1"` }] : [],
    resources: [],
    areas: ownArea(o),
  };
}

function ownArea(o: OrderForCap): CapArea[] {
  const areas = o.to.areas ?? [];
  const fences = (o.to.polygons?.length ?? 0) + (o.to.circles?.length ?? 0);
  if (!areas.length && !fences) return [];
  return [{
    areaDesc: [...areas.map((a) => o.areaNames[a] ?? a), ...(fences ? ['geofence'] : [])].join('、'),
    polygons: (o.to.polygons ?? []).map((p) => p.coordinates[0]),
    circles: (o.to.circles ?? []).map((c) => ({ center: c.center, radiusKm: c.radiusM / 1000 })),
    geocodes: areas.filter((a) => DIVISION_CODE_FORM.test(a)).map((a) => ({ valueName: DIVISION_CODE, value: a.padEnd(12, '0') })),
  }];
}

/** CAP's date-time form: seconds and an explicit offset. */
export function capTime(ms: number, offsetMin: number): string {
  const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 19);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
