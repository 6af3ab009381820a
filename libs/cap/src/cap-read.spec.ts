import { fixture } from '../../../test/support/fixtures';
import { isRealDateTime, readCap } from './cap-read';
import { CapInvalid } from './element-reader';
import { writeCap } from './cap-write';
import { XmlRefused } from './xml-tree';

const example = (name: string) => fixture(`cap/${name}.xml`);
const NS = 'urn:oasis:names:tc:emergency:cap:1.2';
const head = '<identifier>x1</identifier><sender>s@x</sender><sent>2026-07-01T16:30:00+08:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>';
const info = (inner = '') => `<info><category>Met</category><event>台风</event><urgency>Immediate</urgency><severity>Extreme</severity><certainty>Observed</certainty>${inner}</info>`;
const alert = (body: string, attrs = '') => `<alert xmlns="${NS}"${attrs}>${body}</alert>`;
const issues = (xml: string) => {
  try {
    readCap(xml);
  } catch (e) {
    if (e instanceof CapInvalid) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  throw new Error('expected CapInvalid');
};

describe('readCap: CAP 1.2 from untrusted XML', () => {
  it('reads the four examples of the specification', () => {
    const storm = readCap(example('thunderstorm'));
    expect(storm).toMatchObject({ identifier: 'KSTO1055887203', sender: 'KSTO@NWS.NOAA.GOV', msgType: 'Alert', status: 'Actual' });
    expect(storm.infos[0]).toMatchObject({ language: 'en-US', responseTypes: ['Shelter'], urgency: 'Immediate', severity: 'Severe', expires: '2003-06-17T16:00:00-07:00' });
    expect(storm.infos[0].areas[0].polygons[0][0]).toEqual([-120.14, 38.47]); // latitude first in CAP, GeoJSON order here
    expect(storm.infos[0].areas[0].geocodes).toHaveLength(3);
    const quake = readCap(example('earthquake-update'));
    expect(quake.references).toEqual([{ sender: 'trinet@caltech.edu', identifier: 'TRI13970876.1', sent: '2003-06-11T20:30:00-07:00' }]);
    expect(quake.infos[0].areas[0].circles).toEqual([{ center: [-115.5527, 32.9525], radiusKm: 0 }]);
    expect(readCap(example('amber-multilingual')).infos.map((i) => i.language)).toEqual(['en-US', 'es-US']);
    expect(readCap(example('homeland-security')).infos[0].resources[0]).toMatchObject({ mimeType: 'image/gif' });
  });

  it('names each element that breaks the schema', () => {
    expect(issues(alert(head.replace('<status>Actual</status>', '<status>Real</status>')))).toEqual(['alert.status: expected one of Actual, Exercise, System, Test, Draft, got "Real"']);
    expect(issues(alert(head.replace('<sent>2026-07-01T16:30:00+08:00</sent>', '<sent>2026-07-01T08:30:00Z</sent>')))[0]).toMatch(/^alert\.sent: expected a date-time/);
    expect(issues(alert(head.replace('<scope>Public</scope>', '')))).toEqual(['alert.scope: required <scope> is missing']);
    expect(issues(alert(head.replace('<identifier>x1</identifier><sender>s@x</sender>', '<sender>s@x</sender><identifier>x1</identifier>')))[0]).toMatch(/out of order/);
    expect(issues(alert(head + info('<area><areaDesc>a</areaDesc><polygon>28.5,120.7 28.6,120.8 28.5,120.8</polygon></area>')))).toEqual([
      'alert.info.0.area.0.polygon.0: expected at least 4 "latitude,longitude" pairs, got 3',
    ]);
    expect(issues(alert(head + info('<area><areaDesc>a</areaDesc><circle>120.7,28.5</circle></area>')))[0]).toMatch(/^alert\.info\.0\.area\.0\.circle\.0: expected "latitude,longitude radius"/);
    expect(issues(alert(head + info().replace('<urgency>Immediate</urgency>', '')))).toEqual(['alert.info.0.urgency: required <urgency> is missing']);
    expect(issues(alert(head + '<bogus/>'))).toEqual(['alert.bogus: unexpected element <bogus>']);
    expect(issues(alert(head, ' huge="x"'))).toEqual(['alert: unexpected attribute huge: the schema declares no attributes']);
    expect(issues(alert(head.replace('<msgType>Alert</msgType>', '<msgType>Cancel</msgType>')))).toEqual(['alert.references: required for msgType Cancel']);
  });

  it('takes an XML signature at the end of the alert, and nothing foreign anywhere else', () => {
    const sig = '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/></Signature>';
    expect(readCap(alert(head + info() + sig)).identifier).toBe('x1');
    expect(issues(alert(head + sig + info()))[0]).toMatch(/^alert\.Signature: unexpected element/);
  });

  it('refuses documents in the wrong namespace or none', () => {
    expect(() => readCap(`<alert>${head}</alert>`)).toThrow(/expected <alert> in namespace urn:oasis:names:tc:emergency:cap:1.2, got <alert> in no namespace/);
    expect(() => readCap(`<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1">${head}</alert>`)).toThrow(/in urn:oasis:names:tc:emergency:cap:1\.1/);
  });

  it('refuses hostile XML with a clear error, without expanding or fetching anything', () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>${alert(head.replace('x1', '&x;'))}`;
    expect(() => readCap(xxe)).toThrow(XmlRefused);
    expect(() => readCap(xxe)).toThrow(/document type declaration/);
    const bomb = `<!DOCTYPE a [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>${alert(head.replace('x1', '&c;'))}`;
    expect(() => readCap(bomb)).toThrow(/document type declaration/);
    expect(() => readCap(alert(head.replace('x1', '&x;')))).toThrow(XmlRefused); // an undeclared entity
    expect(() => readCap('<a>'.repeat(100_000) + '</a>'.repeat(100_000))).toThrow(/nested deeper than 32|longer than|characters/);
    expect(() => readCap(alert(head + '<note>' + 'x'.repeat(200_000) + '</note>'))).toThrow(/longer than 100000 characters/);
    expect(() => readCap(alert(head, ` a="${'x'.repeat(200_000)}"`))).toThrow(/longer than 100000 characters/);
    expect(() => readCap(alert(head) + '<second/>')).toThrow(XmlRefused);
    expect(() => readCap('<alert xmlns="x"><unclosed></alert>')).toThrow(XmlRefused);
    expect(() => readCap('')).toThrow(/root element/);
  });
});

describe('writeCap', () => {
  it('writes what readCap reads back to the same alert, for each example of the specification', () => {
    for (const name of ['homeland-security', 'thunderstorm', 'earthquake-update', 'amber-multilingual']) {
      const alert = readCap(example(name));
      expect(readCap(writeCap(alert))).toEqual(alert);
    }
  });

  it('escapes text, so what a sender wrote cannot become markup', () => {
    const alert = readCap(example('thunderstorm'));
    alert.infos[0].headline = '</headline><injected/>&amp; "x"';
    expect(readCap(writeCap(alert)).infos[0].headline).toBe('</headline><injected/>&amp; "x"');
  });
});

describe("CAP's date-times", () => {
  it('takes real instants with seconds and an offset, -00:00 included', () => {
    for (const t of ['2026-07-01T16:30:00+08:00', '2028-02-29T23:59:59-00:00', '2026-12-31T00:00:00+14:00']) expect(isRealDateTime(t)).toBe(true);
  });

  it('refuses days, hours and offsets that do not exist, which Date.parse would roll over', () => {
    for (const t of ['2026-02-29T10:00:00+08:00', '2026-02-30T10:00:00+08:00', '2026-04-31T10:00:00+08:00', '2026-07-01T24:00:00+08:00', '2026-07-01T10:60:00+08:00', '2026-13-01T10:00:00+08:00', '2026-07-00T10:00:00+08:00', '2026-07-01T10:00:00+15:00', '2026-07-01T10:00:00Z'])
      expect([t, isRealDateTime(t)]).toEqual([t, false]);
  });
});
