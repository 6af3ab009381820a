import type { LonLat } from '@lifeline/domain';
import { CAP_NAMESPACE, type CapAlert, type CapArea, type CapInfo, type CapReference, type CapResource, type NamedValue } from './cap-alert';

/**
 * Writes an alert as CAP 1.2 XML, every element in the order CAP-v1.2.xsd fixes, text escaped;
 * `readCap` reads it back to the same alert (the round trip is tested on the specification's
 * examples).
 */
export function writeCap(a: CapAlert): string {
  const x = new XmlLines();
  x.open(0, `alert xmlns="${CAP_NAMESPACE}"`);
  x.el(1, 'identifier', a.identifier);
  x.el(1, 'sender', a.sender);
  x.el(1, 'sent', a.sent);
  x.el(1, 'status', a.status);
  x.el(1, 'msgType', a.msgType);
  x.el(1, 'source', a.source);
  x.el(1, 'scope', a.scope);
  x.el(1, 'restriction', a.restriction);
  x.el(1, 'addresses', a.addresses);
  for (const c of a.codes) x.el(1, 'code', c);
  x.el(1, 'note', a.note);
  x.el(1, 'references', referencesText(a.references));
  x.el(1, 'incidents', a.incidents);
  for (const info of a.infos) writeInfo(x, info);
  x.close(0, 'alert');
  return x.text();
}

function writeInfo(x: XmlLines, i: CapInfo): void {
  x.open(1, 'info');
  x.el(2, 'language', i.language);
  for (const c of i.categories) x.el(2, 'category', c);
  x.el(2, 'event', i.event);
  for (const r of i.responseTypes) x.el(2, 'responseType', r);
  x.el(2, 'urgency', i.urgency);
  x.el(2, 'severity', i.severity);
  x.el(2, 'certainty', i.certainty);
  x.el(2, 'audience', i.audience);
  x.named(2, 'eventCode', i.eventCodes);
  x.el(2, 'effective', i.effective);
  x.el(2, 'onset', i.onset);
  x.el(2, 'expires', i.expires);
  x.el(2, 'senderName', i.senderName);
  x.el(2, 'headline', i.headline);
  x.el(2, 'description', i.description);
  x.el(2, 'instruction', i.instruction);
  x.el(2, 'web', i.web);
  x.el(2, 'contact', i.contact);
  x.named(2, 'parameter', i.parameters);
  for (const r of i.resources) writeResource(x, r);
  for (const a of i.areas) writeArea(x, a);
  x.close(1, 'info');
}

function writeResource(x: XmlLines, r: CapResource): void {
  x.open(2, 'resource');
  x.el(3, 'resourceDesc', r.resourceDesc);
  x.el(3, 'mimeType', r.mimeType);
  x.el(3, 'size', r.size);
  x.el(3, 'uri', r.uri);
  x.el(3, 'derefUri', r.derefUri);
  x.el(3, 'digest', r.digest);
  x.close(2, 'resource');
}

function writeArea(x: XmlLines, a: CapArea): void {
  x.open(2, 'area');
  x.el(3, 'areaDesc', a.areaDesc);
  for (const ring of a.polygons) x.el(3, 'polygon', ring.map(latLon).join(' '));
  for (const c of a.circles) x.el(3, 'circle', `${latLon(c.center)} ${c.radiusKm}`);
  x.named(3, 'geocode', a.geocodes);
  x.el(3, 'altitude', a.altitude);
  x.el(3, 'ceiling', a.ceiling);
  x.close(2, 'area');
}

/** CAP's coordinate pair: latitude first. */
export const latLon = ([lon, lat]: LonLat) => `${lat},${lon}`;

/** `sender,identifier,sent` entries separated by spaces, as CAP and GB/T 35965.1 reference earlier messages. */
export const referencesText = (refs: readonly CapReference[]) => refs.map((r) => `${r.sender},${r.identifier},${r.sent}`).join(' ');

/** Indented XML, a line per element; empty values are left out, as CAP's optional elements are. */
export class XmlLines {
  private readonly lines = ['<?xml version="1.0" encoding="UTF-8"?>'];

  open(indent: number, tag: string): void {
    this.lines.push(`${'  '.repeat(indent)}<${tag}>`);
  }

  close(indent: number, name: string): void {
    this.lines.push(`${'  '.repeat(indent)}</${name}>`);
  }

  el(indent: number, name: string, value: string | number | undefined): void {
    if (value !== undefined && value !== '') this.always(indent, name, value);
  }

  /** An element written even when empty: a required one. */
  always(indent: number, name: string, value: string | number): void {
    this.lines.push(`${'  '.repeat(indent)}<${name}>${escapeXml(String(value))}</${name}>`);
  }

  named(indent: number, name: string, list: readonly NamedValue[]): void {
    for (const v of list) {
      this.open(indent, name);
      this.always(indent + 1, 'valueName', v.valueName);
      this.always(indent + 1, 'value', v.value);
      this.close(indent, name);
    }
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

/** Characters XML 1.0 cannot carry at all, escaped or not: C0 controls but tab and line ends, lone surrogates, U+FFFE/FFFF. */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text as XML character data or an attribute value. An order's body may hold any character; one
 * XML cannot carry becomes U+FFFD, so that one order cannot make a document (or the whole feed)
 * unreadable.
 */
export function escapeXml(s: string): string {
  return s.replace(NOT_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
