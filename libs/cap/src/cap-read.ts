import type { LonLat } from '@lifeline/domain';
import {
  CAP_CATEGORIES, CAP_CERTAINTIES, CAP_MSG_TYPES, CAP_NAMESPACE, CAP_RESPONSE_TYPES, CAP_SCOPES, CAP_SEVERITIES, CAP_STATUSES, CAP_URGENCIES,
  type CapAlert, type CapArea, type CapInfo, type CapReference, type CapResource, type NamedValue,
} from './cap-alert';
import { readXml, XmlRefused, type XmlElement } from './xml-tree';

export interface CapIssue {
  /** Element path: `alert.info.0.area.1.polygon.0` */
  path: string;
  message: string;
}

/** A message that is not CAP 1.2: what is wrong, element by element. */
export class CapInvalid extends Error {
  constructor(readonly issues: CapIssue[]) {
    super(issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`).join('; '));
  }
}

interface Field {
  name: string;
  min: 0 | 1;
  max: 1 | typeof Infinity;
}
const one = (name: string): Field => ({ name, min: 1, max: 1 });
const opt = (name: string): Field => ({ name, min: 0, max: 1 });
const many = (name: string, min: 0 | 1 = 0): Field => ({ name, min, max: Infinity });

/** The content models of CAP-v1.2.xsd: each element's children, in the order the schema fixes. */
const ALERT = [one('identifier'), one('sender'), one('sent'), one('status'), one('msgType'), opt('source'), one('scope'), opt('restriction'), opt('addresses'), many('code'), opt('note'), opt('references'), opt('incidents'), many('info')];
const INFO = [
  opt('language'), many('category', 1), one('event'), many('responseType'), one('urgency'), one('severity'), one('certainty'), opt('audience'), many('eventCode'),
  opt('effective'), opt('onset'), opt('expires'), opt('senderName'), opt('headline'), opt('description'), opt('instruction'), opt('web'), opt('contact'),
  many('parameter'), many('resource'), many('area'),
];
const RESOURCE = [one('resourceDesc'), one('mimeType'), opt('size'), opt('uri'), opt('derefUri'), opt('digest')];
const AREA = [one('areaDesc'), many('polygon'), many('circle'), many('geocode'), opt('altitude'), opt('ceiling')];
const NAMED_VALUE = [one('valueName'), one('value')];

/** Elements with elements inside; every other CAP element holds text only. */
const COMPLEX = new Set(['info', 'resource', 'area', 'eventCode', 'parameter', 'geocode']);

/** CAP's dateTime: the schema's pattern (seconds, an explicit offset, no `Z`) and a real instant. */
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$/;
/** Sender and identifier: no spaces, commas or the restricted characters < and &. */
const TOKEN = /^[^\s,<&]+$/;

/** Reads a CAP 1.2 alert from untrusted XML; throws `XmlRefused` or `CapInvalid`. */
export function readCap(xml: string): CapAlert {
  const root = readXml(xml);
  return new CapReader().alert(root);
}

class CapReader {
  private readonly issues: CapIssue[] = [];

  alert(el: XmlElement): CapAlert {
    if (el.name !== 'alert' || el.uri !== CAP_NAMESPACE)
      throw new CapInvalid([{ path: '(root)', message: `expected <alert> in namespace ${CAP_NAMESPACE}, got <${el.name}>${el.uri ? ` in ${el.uri}` : ' in no namespace'}` }]);
    const f = this.content(el, 'alert', ALERT, true);
    const alert: CapAlert = {
      identifier: this.token(f, 'identifier', 'alert'),
      sender: this.token(f, 'sender', 'alert'),
      sent: this.dateTime(f, 'sent', 'alert')!,
      status: this.choice(f, 'status', 'alert', CAP_STATUSES)!,
      msgType: this.choice(f, 'msgType', 'alert', CAP_MSG_TYPES)!,
      source: this.text(f, 'source'),
      scope: this.choice(f, 'scope', 'alert', CAP_SCOPES)!,
      restriction: this.text(f, 'restriction'),
      addresses: this.text(f, 'addresses'),
      codes: this.texts(f, 'code'),
      note: this.text(f, 'note'),
      references: this.references(f, 'alert'),
      incidents: this.text(f, 'incidents'),
      infos: (f.get('info') ?? []).map((e, i) => this.info(e, `alert.info.${i}`)),
    };
    if (alert.scope === 'Restricted' && !alert.restriction) this.issue('alert.restriction', 'required when scope is Restricted');
    if (alert.scope === 'Private' && !alert.addresses) this.issue('alert.addresses', 'required when scope is Private');
    if ((alert.msgType === 'Update' || alert.msgType === 'Cancel') && !alert.references.length) this.issue('alert.references', `required for msgType ${alert.msgType}`);
    if (this.issues.length) throw new CapInvalid(this.issues);
    return alert;
  }

  private info(el: XmlElement, path: string): CapInfo {
    const f = this.content(el, path, INFO);
    return {
      language: this.text(f, 'language') ?? 'en-US',
      categories: (f.get('category') ?? []).map((e, i) => this.enumText(e, `${path}.category.${i}`, CAP_CATEGORIES)),
      event: this.text(f, 'event') ?? '',
      responseTypes: (f.get('responseType') ?? []).map((e, i) => this.enumText(e, `${path}.responseType.${i}`, CAP_RESPONSE_TYPES)),
      urgency: this.choice(f, 'urgency', path, CAP_URGENCIES)!,
      severity: this.choice(f, 'severity', path, CAP_SEVERITIES)!,
      certainty: this.choice(f, 'certainty', path, CAP_CERTAINTIES)!,
      audience: this.text(f, 'audience'),
      eventCodes: this.namedValues(f, 'eventCode', path),
      effective: this.dateTime(f, 'effective', path),
      onset: this.dateTime(f, 'onset', path),
      expires: this.dateTime(f, 'expires', path),
      senderName: this.text(f, 'senderName'),
      headline: this.text(f, 'headline'),
      description: this.text(f, 'description'),
      instruction: this.text(f, 'instruction'),
      web: this.text(f, 'web'),
      contact: this.text(f, 'contact'),
      parameters: this.namedValues(f, 'parameter', path),
      resources: (f.get('resource') ?? []).map((e, i) => this.resource(e, `${path}.resource.${i}`)),
      areas: (f.get('area') ?? []).map((e, i) => this.area(e, `${path}.area.${i}`)),
    };
  }

  private resource(el: XmlElement, path: string): CapResource {
    const f = this.content(el, path, RESOURCE);
    const size = this.text(f, 'size');
    if (size !== undefined && !/^\d+$/.test(size)) this.issue(`${path}.size`, `expected a whole number of bytes, got "${size}"`);
    return {
      resourceDesc: this.text(f, 'resourceDesc') ?? '',
      mimeType: this.text(f, 'mimeType') ?? '',
      ...(size !== undefined ? { size: Number(size) } : {}),
      uri: this.text(f, 'uri'),
      derefUri: this.text(f, 'derefUri'),
      digest: this.text(f, 'digest'),
    };
  }

  private area(el: XmlElement, path: string): CapArea {
    const f = this.content(el, path, AREA);
    const decimal = (name: string) => {
      const v = this.text(f, name);
      if (v === undefined) return undefined;
      if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(v)) this.issue(`${path}.${name}`, `expected a decimal number, got "${v}"`);
      return Number(v);
    };
    return {
      areaDesc: this.text(f, 'areaDesc') ?? '',
      polygons: (f.get('polygon') ?? []).flatMap((e, i) => this.polygon(e.text.trim(), `${path}.polygon.${i}`)),
      circles: (f.get('circle') ?? []).flatMap((e, i) => this.circle(e.text.trim(), `${path}.circle.${i}`)),
      geocodes: this.namedValues(f, 'geocode', path),
      ...(f.has('altitude') ? { altitude: decimal('altitude') } : {}),
      ...(f.has('ceiling') ? { ceiling: decimal('ceiling') } : {}),
    };
  }

  /** "lat,lon lat,lon …": at least four pairs, the last equal to the first. Out: [lon, lat] rings. */
  private polygon(text: string, path: string): LonLat[][] {
    const pairs = text.split(/\s+/).filter(Boolean);
    const points = pairs.map((p) => this.point(p, path));
    if (points.some((p) => p === null)) return [];
    if (points.length < 4) return this.issue(path, `expected at least 4 "latitude,longitude" pairs, got ${points.length}`), [];
    const [first, last] = [points[0]!, points[points.length - 1]!];
    if (first[0] !== last[0] || first[1] !== last[1]) return this.issue(path, `the polygon is not closed: its last pair must repeat its first, ${pairs[0]}`), [];
    return [points as LonLat[]];
  }

  /** "lat,lon radius", the radius in kilometres. */
  private circle(text: string, path: string): { center: LonLat; radiusKm: number }[] {
    const m = /^(\S+)\s+(\S+)$/.exec(text);
    if (!m) return this.issue(path, `expected "latitude,longitude radius" (radius in km), got "${text.slice(0, 80)}"`), [];
    const center = this.point(m[1], path);
    const radiusKm = Number(m[2]);
    if (!Number.isFinite(radiusKm) || radiusKm < 0) return this.issue(path, `expected a radius in km of 0 or more, got "${m[2]}"`), [];
    return center ? [{ center, radiusKm }] : [];
  }

  private point(pair: string, path: string): LonLat | null {
    const m = /^([-+]?\d+(?:\.\d+)?),([-+]?\d+(?:\.\d+)?)$/.exec(pair);
    const [lat, lon] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
    if (!m || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
      this.issue(path, `expected "latitude,longitude" in WGS 84 degrees (latitude first, as CAP writes it), got "${pair.slice(0, 60)}"`);
      return null;
    }
    return [lon, lat];
  }

  private references(f: Map<string, XmlElement[]>, path: string): CapReference[] {
    const text = this.text(f, 'references');
    if (text === undefined) return [];
    return text.split(/\s+/).filter(Boolean).flatMap((r) => {
      const parts = r.split(',');
      if (parts.length !== 3 || !parts.every(Boolean) || !DATE_TIME.test(parts[2]))
        return this.issue(`${path}.references`, `expected "sender,identifier,sent" entries separated by spaces, got "${r.slice(0, 80)}"`), [];
      return [{ sender: parts[0], identifier: parts[1], sent: parts[2] }];
    });
  }

  /**
   * Checks an element's children against its content model (order and counts), refuses text
   * between them and unprefixed attributes, and groups the children by name.
   */
  private content(el: XmlElement, path: string, model: Field[], signatureAllowed = false): Map<string, XmlElement[]> {
    for (const a of Object.keys(el.attributes)) if (!a.includes(':')) this.issue(path, `unexpected attribute ${a}`);
    if (el.text.trim()) this.issue(path, `unexpected text "${el.text.trim().slice(0, 40)}"`);
    const out = new Map<string, XmlElement[]>();
    let at = 0;
    const children = el.children.filter((c) => c.uri === CAP_NAMESPACE);
    const present = new Set(children.map((c) => c.name));
    const missing = (m: Field) => m.min && !present.has(m.name) && this.issue(`${path}.${m.name}`, `required <${m.name}> is missing`);
    const foreign = el.children.findIndex((c) => c.uri !== CAP_NAMESPACE);
    // Only <alert> may end with elements of other namespaces (an XML signature, xs:any ##other).
    if (foreign >= 0 && (!signatureAllowed || el.children.slice(foreign).some((c) => c.uri === CAP_NAMESPACE)))
      this.issue(`${path}.${el.children[foreign].name}`, `unexpected element <${el.children[foreign].name}>${el.children[foreign].uri ? ` in ${el.children[foreign].uri}` : ' in no namespace'}`);
    for (const child of children) {
      const i = model.findIndex((m, k) => k >= at && m.name === child.name);
      if (i < 0) {
        const known = model.some((m) => m.name === child.name);
        this.issue(`${path}.${child.name}`, known ? `<${child.name}> is out of order: CAP fixes the order ${model.map((m) => m.name).join(', ')}` : `unexpected element <${child.name}>`);
        continue;
      }
      at = i;
      const list = out.get(child.name) ?? [];
      if (list.length >= model[i].max) this.issue(`${path}.${child.name}`, `<${child.name}> may appear only once`);
      list.push(child);
      out.set(child.name, list);
    }
    model.forEach(missing);
    for (const [name, list] of out) if (!COMPLEX.has(name)) for (const e of list) if (e.children.length) this.issue(`${path}.${name}`, `<${name}> holds text, not elements`);
    return out;
  }

  private text(f: Map<string, XmlElement[]>, name: string): string | undefined {
    const t = f.get(name)?.[0]?.text.trim();
    return t === undefined || t === '' ? undefined : t;
  }

  private texts(f: Map<string, XmlElement[]>, name: string): string[] {
    return (f.get(name) ?? []).map((e) => e.text.trim());
  }

  private token(f: Map<string, XmlElement[]>, name: string, path: string): string {
    const t = this.text(f, name) ?? '';
    if (f.has(name) && !TOKEN.test(t)) this.issue(`${path}.${name}`, 'expected no spaces, commas, < or &');
    return t;
  }

  private dateTime(f: Map<string, XmlElement[]>, name: string, path: string): string | undefined {
    const t = this.text(f, name);
    if (t === undefined) return undefined;
    if (!DATE_TIME.test(t) || Number.isNaN(Date.parse(t))) this.issue(`${path}.${name}`, `expected a date-time like 2026-07-01T16:30:00+08:00 (seconds and offset, no Z), got "${t.slice(0, 40)}"`);
    return t;
  }

  private choice<T extends string>(f: Map<string, XmlElement[]>, name: string, path: string, values: readonly T[]): T | undefined {
    const el = f.get(name)?.[0];
    return el ? this.enumText(el, `${path}.${name}`, values) : undefined;
  }

  private enumText<T extends string>(el: XmlElement, path: string, values: readonly T[]): T {
    const t = el.text.trim();
    if (!values.includes(t as T)) this.issue(path, `expected one of ${values.join(', ')}, got "${t.slice(0, 40)}"`);
    return t as T;
  }

  private namedValues(f: Map<string, XmlElement[]>, name: string, path: string): NamedValue[] {
    return (f.get(name) ?? []).map((e, i) => {
      const g = this.content(e, `${path}.${name}.${i}`, NAMED_VALUE);
      return { valueName: this.text(g, 'valueName') ?? '', value: this.text(g, 'value') ?? '' };
    });
  }

  private issue(path: string, message: string): void {
    if (this.issues.length < 100) this.issues.push({ path, message });
  }
}

export { XmlRefused };
