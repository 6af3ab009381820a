import {
  CAP_CATEGORIES, CAP_CERTAINTIES, CAP_MSG_TYPES, CAP_NAMESPACE, CAP_RESPONSE_TYPES, CAP_SCOPES, CAP_SEVERITIES, CAP_STATUSES, CAP_URGENCIES,
  type CapAlert, type CapArea, type CapInfo, type CapReference, type CapResource, type NamedValue,
} from './cap-alert';
import { CapInvalid, ElementReader, many, one, opt } from './element-reader';
import { readXml, XmlRefused, type XmlElement } from './xml-tree';

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

/** CAP's dateTime: the schema's pattern (seconds, an explicit offset, no `Z`) and a real instant. */
const DATE_TIME = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)([-+])(\d\d):(\d\d)$/;

/**
 * The pattern, and a day, hour and offset that exist: `Date.parse` rolls 2026-02-30 over to
 * 2 March and takes T24:00:00, where an alert with such a time is a wrong alert.
 */
export function isRealDateTime(t: string): boolean {
  const m = DATE_TIME.exec(t);
  if (!m) return false;
  const [y, mo, d, h, mi, s, , oh, om] = [m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9]].map(Number);
  // Year 0000 does not exist in XML Schema's dateTime; offsets reach ±14:00 at most.
  if (y < 1 || h > 23 || mi > 59 || s > 59 || om > 59 || oh * 60 + om > 14 * 60 || mo < 1 || mo > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate(); // the month's last day
}
/** Sender and identifier: no spaces, commas or the restricted characters < and &. */
export const CAP_TOKEN = /^[^\s,<&]+$/;

/** Reads a CAP 1.2 alert from untrusted XML; throws `XmlRefused` or `CapInvalid`. */
export function readCap(xml: string): CapAlert {
  const root = readXml(xml);
  return new CapReader().alert(root);
}

class CapReader extends ElementReader {
  constructor() {
    super(CAP_NAMESPACE, new Set(['info', 'resource', 'area', 'eventCode', 'parameter', 'geocode']));
  }

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
    this.fail();
    return alert;
  }

  private info(el: XmlElement, path: string): CapInfo {
    const f = this.content(el, path, INFO);
    return {
      language: this.language(f, path),
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
    const size = f.has('size') ? (this.text(f, 'size') ?? '') : undefined;
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
      if (!f.has(name)) return undefined;
      const v = this.text(f, name) ?? '';
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

  /** "sender,identifier,sent" entries separated by spaces. */
  private references(f: Map<string, XmlElement[]>, path: string): CapReference[] {
    const text = this.text(f, 'references');
    if (text === undefined) return [];
    return text.split(/\s+/).filter(Boolean).flatMap((r) => {
      const parts = r.split(',');
      if (parts.length !== 3 || !parts.every(Boolean) || !isRealDateTime(parts[2]))
        return this.issue(`${path}.references`, `expected "sender,identifier,sent" entries separated by spaces, got "${r.slice(0, 80)}"`), [];
      return [{ sender: parts[0], identifier: parts[1], sent: parts[2] }];
    });
  }

  /**
   * xs:language (RFC 3066 tags as XML Schema writes them, spaces around collapsed); en-US when
   * left out or empty, the schema's default (an element of spaces only is not empty: refused).
   */
  private language(f: Map<string, XmlElement[]>, path: string): string {
    const raw = f.get('language')?.[0]?.text;
    if (raw === undefined || raw === '') return 'en-US';
    const t = raw.trim();
    if (!/^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$/.test(t)) this.issue(`${path}.language`, `expected a language tag like zh-CN, got "${t.slice(0, 40)}"`);
    return t;
  }

  private token(f: Map<string, XmlElement[]>, name: string, path: string): string {
    const t = this.text(f, name) ?? '';
    if (f.has(name) && !CAP_TOKEN.test(t)) this.issue(`${path}.${name}`, 'expected no spaces, commas, < or &');
    return t;
  }

  private dateTime(f: Map<string, XmlElement[]>, name: string, path: string): string | undefined {
    const t = this.text(f, name);
    if (t === undefined) return undefined;
    if (!isRealDateTime(t)) this.issue(`${path}.${name}`, `expected a date-time like 2026-07-01T16:30:00+08:00 (seconds and offset, no Z), got "${t.slice(0, 40)}"`);
    return t;
  }

  private namedValues(f: Map<string, XmlElement[]>, name: string, path: string): NamedValue[] {
    return (f.get(name) ?? []).map((e, i) => {
      const g = this.content(e, `${path}.${name}.${i}`, NAMED_VALUE);
      return { valueName: this.text(g, 'valueName') ?? '', value: this.text(g, 'value') ?? '' };
    });
  }
}

export { XmlRefused };
