import type { LonLat } from '@lifeline/domain';
import type { XmlElement } from './xml-tree';

export interface CapIssue {
  /** Element path: `alert.info.0.area.1.polygon.0` */
  path: string;
  message: string;
}

/** A message that is not valid CAP 1.2 (or its Chinese profile): what is wrong, element by element. */
export class CapInvalid extends Error {
  constructor(readonly issues: CapIssue[]) {
    super(issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`).join('; '));
  }
}

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

/** One child element of a content model: how many times it may appear. */
export interface Field {
  name: string;
  min: 0 | 1;
  max: 1 | typeof Infinity;
}
export const one = (name: string): Field => ({ name, min: 1, max: 1 });
export const opt = (name: string): Field => ({ name, min: 0, max: 1 });
export const many = (name: string, min: 0 | 1 = 0): Field => ({ name, min, max: Infinity });

/**
 * What reading an alert document takes in any of the formats: content models checked in order,
 * text read and checked, coordinates (latitude first, as CAP writes them) turned to GeoJSON order,
 * and every issue collected with its element path.
 */
export abstract class ElementReader {
  protected readonly issues: CapIssue[] = [];

  constructor(
    /** The namespace every element of the format is in ('' for none). */
    private readonly namespace: string,
    /** Elements with elements inside; every other holds text only. */
    private readonly complex: ReadonlySet<string>,
    /**
     * Whether an enumeration's value is read exactly (CAP: its schema's xs:string enumerations
     * keep spaces) or trimmed first (GB/T 35965.1, read by assumption, without a schema to hold
     * to: a national file with indented values must not leave a warning undelivered).
     */
    private readonly exactEnums = true,
  ) {}

  protected fail(): void {
    if (this.issues.length) throw new CapInvalid(this.issues);
  }

  protected polygon(text: string, path: string): LonLat[][] {
    const pairs = text.split(/\s+/).filter(Boolean);
    const points = pairs.map((p) => this.point(p, path));
    if (points.some((p) => p === null)) return [];
    if (points.length < 4) return this.issue(path, `expected at least 4 "latitude,longitude" pairs, got ${points.length}`), [];
    const [first, last] = [points[0]!, points[points.length - 1]!];
    if (first[0] !== last[0] || first[1] !== last[1]) return this.issue(path, `the polygon is not closed: its last pair must repeat its first, ${pairs[0]}`), [];
    return [points as LonLat[]];
  }

  /** "lat,lon radius", the radius in kilometres. */

  protected circle(text: string, path: string): { center: LonLat; radiusKm: number }[] {
    const m = /^(\S+)\s+(\S+)$/.exec(text);
    if (!m) return this.issue(path, `expected "latitude,longitude radius" (radius in km), got "${text.slice(0, 80)}"`), [];
    const center = this.point(m[1], path);
    const radiusKm = Number(m[2]);
    if (!Number.isFinite(radiusKm) || radiusKm < 0) return this.issue(path, `expected a radius in km of 0 or more, got "${m[2]}"`), [];
    return center ? [{ center, radiusKm }] : [];
  }


  protected point(pair: string, path: string): LonLat | null {
    const m = /^([-+]?\d+(?:\.\d+)?),([-+]?\d+(?:\.\d+)?)$/.exec(pair);
    const [lat, lon] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
    if (!m || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
      this.issue(path, `expected "latitude,longitude" in WGS 84 degrees (latitude first, as CAP writes it), got "${pair.slice(0, 60)}"`);
      return null;
    }
    return [lon, lat];
  }


  /**
   * Checks an element's children against its content model (order and counts), refuses text
   * between them and any attribute (the schema declares none; a validator takes only the schema
   * hints of XML Schema instance), and groups the children by name.
   */
  protected content(el: XmlElement, path: string, model: Field[], signatureAllowed = false): Map<string, XmlElement[]> {
    for (const a of Object.keys(el.attributes)) this.attribute(el, a, path);
    if (el.text.trim()) this.issue(path, `unexpected text "${el.text.trim().slice(0, 40)}"`);
    const out = new Map<string, XmlElement[]>();
    let at = 0;
    const children = el.children.filter((c) => c.uri === this.namespace);
    const present = new Set(children.map((c) => c.name));
    const missing = (m: Field) => m.min && !present.has(m.name) && this.issue(`${path}.${m.name}`, `required <${m.name}> is missing`);
    // Only <alert> may end with elements of other namespaces (an XML signature: xs:any ##other,
    // which is neither the format's namespace nor none).
    const other = (c: XmlElement) => signatureAllowed && c.uri !== '' && c.uri !== this.namespace;
    const foreign = el.children.findIndex((c) => c.uri !== this.namespace);
    if (foreign >= 0 && !el.children.slice(foreign).every(other))
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
    for (const [name, list] of out)
      if (!this.complex.has(name))
        for (const e of list) {
          if (e.children.length) this.issue(`${path}.${name}`, `<${name}> holds text, not elements`);
          for (const a of Object.keys(e.attributes)) this.attribute(e, a, `${path}.${name}`);
        }
    return out;
  }


  private attribute(el: XmlElement, name: string, path: string): void {
    const hint = el.attributeNs[name] === XSI && (name.endsWith(':schemaLocation') || name.endsWith(':noNamespaceSchemaLocation'));
    if (!hint) this.issue(path, `unexpected attribute ${name}: the schema declares no attributes`);
  }

  protected text(f: Map<string, XmlElement[]>, name: string): string | undefined {
    const t = f.get(name)?.[0]?.text.trim();
    return t === undefined || t === '' ? undefined : t;
  }


  protected texts(f: Map<string, XmlElement[]>, name: string): string[] {
    return (f.get(name) ?? []).map((e) => e.text.trim());
  }


  protected choice<T extends string>(f: Map<string, XmlElement[]>, name: string, path: string, values: readonly T[]): T | undefined {
    const el = f.get(name)?.[0];
    return el ? this.enumText(el, `${path}.${name}`, values) : undefined;
  }


  /** A value of an enumeration: exactly, where the schema's xs:string enumerations keep spaces (" Actual " is not Actual). */
  protected enumText<T extends string>(el: XmlElement, path: string, values: readonly T[]): T {
    const t = this.exactEnums ? el.text : el.text.trim();
    if (!values.includes(t as T)) this.issue(path, `expected one of ${values.join(', ')}, got "${t.slice(0, 40)}"`);
    return t as T;
  }


  protected issue(path: string, message: string): void {
    if (this.issues.length < 100) this.issues.push({ path, message });
  }
}
