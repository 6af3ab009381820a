import { CAP_CATEGORIES, CAP_CERTAINTIES, CAP_MSG_TYPES, CAP_SCOPES, CAP_STATUSES, CAP_URGENCIES, type CapAlert, type CapArea, type CapInfo, type CapSeverity } from './cap-alert';
import { latLon, referencesText, XmlLines } from './cap-write';
import { BEIJING_OFFSET_MIN, capTime, DIVISION_CODE } from './order-to-cap';
import { CapInvalid, ElementReader, many, one, opt } from './element-reader';
import { readXml, type XmlElement } from './xml-tree';
import { isRealDateTime } from './cap-read';

/**
 * GB/T 35965.1-2018 (应急信息交互协议 第1部分：预警信息), China's profile of CAP for early
 * warnings, read into and written from the same alert model as CAP 1.2.
 *
 * From the standard (its Appendix A, as published in provincial specifications that quote it):
 * - identifier `ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N` (31 characters): the issuer's 14-digit code
 *   (6 digits of GB/T 2260 division, 3 of GB/T 4657 institution, 3 internal, 2 extension), the
 *   entry time in Beijing time, and a sequence digit 0-9 for messages of the same second;
 * - date-times in the extended form with Beijing's offset, `2026-07-01T16:30:00+08:00`;
 * - status codes Actual, Exercise, System, Test as CAP's.
 *
 * Assumed where the standard's text was not available (see the README; the mapping tables are
 * configuration): the element names and order below, modelled on CAP with the standard's fields
 * (`senderCode`, `sendTime`, `eventType`, `method`, 12-digit `geocode` text); severity as the
 * colours Red, Orange, Yellow, Blue (Ⅰ to Ⅳ) mapped to Extreme, Severe, Moderate, Minor; event
 * types as GB/T 35561 codes (`11B01`), their category by code prefix; no XML namespace.
 */

export const GBT_SEVERITIES = ['Red', 'Orange', 'Yellow', 'Blue', 'Unknown'] as const;
export type GbtSeverity = (typeof GBT_SEVERITIES)[number];
/** The assumed reading of the colours (Ⅰ to Ⅳ); configuration may change it (`cap.gbt35965.severities`). */
export const GBT_SEVERITY_AS_CAP: Record<GbtSeverity, CapSeverity> = { Red: 'Extreme', Orange: 'Severe', Yellow: 'Moderate', Blue: 'Minor', Unknown: 'Unknown' };

/** The colour written for a CAP severity: the gravest colour read as it, else Unknown. */
function colourOf(severity: CapSeverity, policy: GbtPolicy): GbtSeverity {
  return GBT_SEVERITIES.find((g) => policy.severities[g] === severity) ?? 'Unknown';
}

/** Event types are GB/T 35561 codes: two digits of class, a letter, two digits (`11B01`). */
export const EVENT_TYPE_CODE = 'GB/T 35561';
/** Dissemination methods travel in the alert model as parameters named `method:<name>`. */
const METHOD = 'method:';

export interface GbtPolicy {
  /** Event type code prefix -> CAP category; the longest prefix wins, `Other` without one. */
  categories: Record<string, (typeof CAP_CATEGORIES)[number]>;
  /** Event type written for orders that have none. */
  defaultEventType: string;
  /** Colour -> CAP severity, read so; written back as the gravest colour of a severity. */
  severities: Record<GbtSeverity, CapSeverity>;
}

export const DEFAULT_GBT_POLICY: GbtPolicy = {
  // GB/T 35561's classes: 11 natural disasters (A floods and droughts, B weather, C earthquakes,
  // D geological, E ocean, F biological, G forest and grassland fires), 12 accidents, 13 public
  // health, 14 social security.
  categories: { '11A': 'Met', '11B': 'Met', '11C': 'Geo', '11D': 'Geo', '11E': 'Met', '11F': 'Env', '11G': 'Fire', '12': 'Safety', '13': 'Health', '14': 'Security' },
  defaultEventType: '11B00',
  severities: GBT_SEVERITY_AS_CAP,
};

const IDENTIFIER = /^(\d{14})_(\d{14})_(\d)$/;
const BEIJING_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/;
const EVENT_TYPE = /^\d{2}[A-Z]\d{2}$/;
const ALERT = [one('identifier'), one('sender'), one('senderCode'), one('sendTime'), one('status'), one('msgType'), one('scope'), many('code'), opt('secClassification'), opt('note'), opt('references'), many('info', 1)];
const INFO = [
  opt('language'), one('eventType'), one('urgency'), one('severity'), one('certainty'), opt('effective'), opt('onset'), opt('expires'), opt('senderName'),
  one('headline'), one('description'), opt('instruction'), opt('web'), opt('contact'), many('method'), many('area', 1),
];
const METHOD_MODEL = [one('methodName'), opt('message')];
const AREA = [one('areaDesc'), many('polygon'), many('circle'), many('geocode')];

/** Reads a GB/T 35965.1 warning into the alert model; throws `XmlRefused` or `CapInvalid`. */
export function readGbt(xml: string, policy: GbtPolicy = DEFAULT_GBT_POLICY): CapAlert {
  return new GbtReader(policy).alert(readXml(xml));
}

class GbtReader extends ElementReader {
  constructor(private readonly policy: GbtPolicy) {
    super('', new Set(['info', 'method', 'area']), false);
  }

  alert(el: XmlElement): CapAlert {
    if (el.name !== 'alert' || el.uri !== '') throw new CapInvalid([{ path: '(root)', message: `expected <alert> in no namespace (GB/T 35965.1), got <${el.name}>${el.uri ? ` in ${el.uri}` : ''}` }]);
    const f = this.content(el, 'alert', ALERT);
    const identifier = this.text(f, 'identifier') ?? '';
    const senderCode = this.text(f, 'senderCode') ?? '';
    const id = IDENTIFIER.exec(identifier);
    if (f.has('identifier') && (!id || !realBasicTime(id[2])))
      this.issue('alert.identifier', `expected the issuer's 14-digit code, the entry time YYYYMMDDhhmmss (Beijing) and a digit, joined by _, got "${identifier.slice(0, 40)}"`);
    if (f.has('senderCode') && !/^\d{14}$/.test(senderCode)) this.issue('alert.senderCode', `expected 14 digits (division, institution, unit, extension), got "${senderCode.slice(0, 40)}"`);
    else if (id && id[1] !== senderCode) this.issue('alert.identifier', `expected to begin with the senderCode ${senderCode}`);
    const alert: CapAlert = {
      identifier,
      sender: senderCode,
      sent: this.time(f, 'sendTime', 'alert')!,
      status: this.choice(f, 'status', 'alert', CAP_STATUSES.filter((s) => s !== 'Draft'))!,
      msgType: this.choice(f, 'msgType', 'alert', CAP_MSG_TYPES)!,
      source: this.text(f, 'sender'),
      scope: this.choice(f, 'scope', 'alert', CAP_SCOPES)!,
      codes: [...this.texts(f, 'code'), ...(f.has('secClassification') ? [`secClassification:${this.text(f, 'secClassification')}`] : [])],
      note: this.text(f, 'note'),
      references: this.references(f),
      infos: (f.get('info') ?? []).map((e, i) => this.info(e, `alert.info.${i}`)),
    };
    if ((alert.msgType === 'Update' || alert.msgType === 'Cancel') && !alert.references.length) this.issue('alert.references', `required for msgType ${alert.msgType}`);
    this.fail();
    return alert;
  }

  private info(el: XmlElement, path: string): CapInfo {
    const f = this.content(el, path, INFO);
    const eventType = this.text(f, 'eventType') ?? '';
    if (f.has('eventType') && !EVENT_TYPE.test(eventType)) this.issue(`${path}.eventType`, `expected a GB/T 35561 event type code like 11B01, got "${eventType.slice(0, 20)}"`);
    const headline = this.text(f, 'headline');
    return {
      language: this.text(f, 'language') ?? 'zh-CN',
      categories: [categoryOf(eventType, this.policy)],
      event: headline ?? eventType,
      responseTypes: [],
      urgency: this.choice(f, 'urgency', path, CAP_URGENCIES)!,
      severity: this.policy.severities[this.choice(f, 'severity', path, GBT_SEVERITIES)!],
      certainty: this.choice(f, 'certainty', path, CAP_CERTAINTIES)!,
      eventCodes: [{ valueName: EVENT_TYPE_CODE, value: eventType }],
      effective: this.time(f, 'effective', path),
      onset: this.time(f, 'onset', path),
      expires: this.time(f, 'expires', path),
      senderName: this.text(f, 'senderName'),
      headline,
      description: this.text(f, 'description'),
      instruction: this.text(f, 'instruction'),
      web: this.text(f, 'web'),
      contact: this.text(f, 'contact'),
      parameters: (f.get('method') ?? []).map((m, i) => {
        const g = this.content(m, `${path}.method.${i}`, METHOD_MODEL);
        return { valueName: `${METHOD}${this.text(g, 'methodName') ?? ''}`, value: this.text(g, 'message') ?? '' };
      }),
      resources: [],
      areas: (f.get('area') ?? []).map((e, i) => this.area(e, `${path}.area.${i}`)),
    };
  }

  private area(el: XmlElement, path: string): CapArea {
    const f = this.content(el, path, AREA);
    const codes = this.texts(f, 'geocode');
    codes.forEach((c, i) => /^\d{12}$/.test(c) || this.issue(`${path}.geocode.${i}`, `expected a 12-digit division code, got "${c.slice(0, 20)}"`));
    return {
      areaDesc: this.text(f, 'areaDesc') ?? '',
      polygons: (f.get('polygon') ?? []).flatMap((e, i) => this.polygon(e.text.trim(), `${path}.polygon.${i}`)),
      circles: (f.get('circle') ?? []).flatMap((e, i) => this.circle(e.text.trim(), `${path}.circle.${i}`)),
      geocodes: codes.map((value) => ({ valueName: DIVISION_CODE, value })),
    };
  }

  private time(f: Map<string, XmlElement[]>, name: string, path: string): string | undefined {
    const t = this.text(f, name);
    if (t !== undefined && (!BEIJING_TIME.test(t) || !isRealDateTime(t)))
      this.issue(`${path}.${name}`, `expected Beijing time in the extended form 2026-07-01T16:30:00+08:00, got "${t.slice(0, 40)}"`);
    return t;
  }

  private references(f: Map<string, XmlElement[]>): CapAlert['references'] {
    return (this.text(f, 'references') ?? '').split(/\s+/).filter(Boolean).flatMap((r) => {
      const [sender, identifier, sent, ...rest] = r.split(',');
      if (rest.length || !IDENTIFIER.test(identifier ?? '') || !BEIJING_TIME.test(sent ?? '') || !isRealDateTime(sent))
        return this.issue('alert.references', `expected "senderCode,identifier,sendTime" entries separated by spaces, got "${r.slice(0, 80)}"`), [];
      return [{ sender, identifier, sent }];
    });
  }
}

/** Writes the alert model as a GB/T 35965.1 warning (the caller gives it an identifier by the standard's rule). */
export function writeGbt(a: CapAlert, policy: GbtPolicy = DEFAULT_GBT_POLICY): string {
  const x = new XmlLines();
  x.open(0, 'alert');
  x.el(1, 'identifier', a.identifier);
  x.el(1, 'sender', a.source ?? a.sender);
  x.el(1, 'senderCode', a.sender);
  x.el(1, 'sendTime', a.sent);
  x.el(1, 'status', a.status);
  x.el(1, 'msgType', a.msgType);
  x.el(1, 'scope', a.scope);
  const secret = a.codes.find((c) => c.startsWith('secClassification:'));
  for (const c of a.codes) if (c !== secret) x.el(1, 'code', c);
  x.el(1, 'secClassification', secret?.slice('secClassification:'.length));
  x.el(1, 'note', a.note);
  x.el(1, 'references', referencesText(a.references));
  for (const i of a.infos) {
    x.open(1, 'info');
    x.el(2, 'language', i.language);
    x.el(2, 'eventType', i.eventCodes.find((c) => c.valueName === EVENT_TYPE_CODE)?.value ?? policy.defaultEventType);
    x.el(2, 'urgency', i.urgency);
    x.el(2, 'severity', colourOf(i.severity, policy));
    x.el(2, 'certainty', i.certainty);
    x.el(2, 'effective', i.effective);
    x.el(2, 'onset', i.onset);
    x.el(2, 'expires', i.expires);
    x.el(2, 'senderName', i.senderName);
    x.el(2, 'headline', i.headline ?? i.event);
    x.el(2, 'description', i.description ?? i.instruction ?? i.event);
    x.el(2, 'instruction', i.instruction);
    x.el(2, 'web', i.web);
    x.el(2, 'contact', i.contact);
    for (const p of i.parameters.filter((q) => q.valueName.startsWith(METHOD))) {
      x.open(2, 'method');
      x.el(3, 'methodName', p.valueName.slice(METHOD.length));
      x.el(3, 'message', p.value);
      x.close(2, 'method');
    }
    for (const area of i.areas) {
      x.open(2, 'area');
      x.el(3, 'areaDesc', area.areaDesc);
      for (const ring of area.polygons) x.el(3, 'polygon', ring.map(latLon).join(' '));
      for (const c of area.circles) x.el(3, 'circle', `${latLon(c.center)} ${c.radiusKm}`);
      for (const g of area.geocodes.filter((c) => c.valueName === DIVISION_CODE)) x.el(3, 'geocode', g.value);
      x.close(2, 'area');
    }
    x.close(1, 'info');
  }
  x.close(0, 'alert');
  return x.text();
}

/** A GB/T 35965.1 identifier: issuer code, entry time in Beijing time, sequence digit (0-9). */
export function gbtIdentifier(senderCode: string, at: number, sequence: number): string {
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 9) throw new RangeError(`a GB/T 35965.1 sequence is one digit, not ${sequence}`);
  const basic = capTime(at, BEIJING_OFFSET_MIN).slice(0, 19).replace(/[-T:]/g, '');
  return `${senderCode}_${basic}_${sequence}`;
}

/** Where a message's identifier puts it: the entry second (ms) and the digit within it. */
export interface GbtSlot {
  second: number;
  sequence: number;
}

/**
 * Entry seconds and digits for messages in the order they were made (`at`, ms): the identifier
 * has one digit for the message's place in its second, so ten messages fill a second and an
 * eleventh is entered in the next one, and so on (an alert of twelve areas makes twelve orders
 * at once). Each message's slot depends on those before it only, so it never changes later.
 */
export function gbtSlots(messages: readonly { key: string; at: number }[]): Map<string, GbtSlot> {
  const out = new Map<string, GbtSlot>();
  let second = -Infinity;
  let sequence = 0;
  for (const m of messages) {
    const own = Math.floor(m.at / 1000) * 1000;
    if (own > second) [second, sequence] = [own, 0];
    else if (++sequence === 10) [second, sequence] = [second + 1000, 0];
    out.set(m.key, { second, sequence });
  }
  return out;
}

function categoryOf(eventType: string, policy: GbtPolicy): (typeof CAP_CATEGORIES)[number] {
  const prefix = Object.keys(policy.categories).filter((p) => eventType.startsWith(p)).sort((a, b) => b.length - a.length)[0];
  return prefix ? policy.categories[prefix] : 'Other';
}

function realBasicTime(t: string): boolean {
  const iso = `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(8, 10)}:${t.slice(10, 12)}:${t.slice(12, 14)}+08:00`;
  const ms = Date.parse(iso);
  return !Number.isNaN(ms) && gbtIdentifier('', ms, 0).slice(1, 15) === t;
}
