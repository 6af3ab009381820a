import { fixture } from '../../../test/support/fixtures';
import { CapInvalid } from './element-reader';
import { DEFAULT_GBT_POLICY, gbtIdentifier, gbtSlots, readGbt, writeGbt } from './gbt35965';

const typhoon = fixture('gbt35965/typhoon-red.xml');
const issues = (xml: string) => {
  try {
    readGbt(xml);
  } catch (e) {
    if (e instanceof CapInvalid) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  throw new Error('expected CapInvalid');
};

describe('GB/T 35965.1 codec', () => {
  it('reads a warning into the alert model: colours as severities, event types, division codes, methods', () => {
    const a = readGbt(typhoon);
    expect(a).toMatchObject({ identifier: '33010041600000_20260701163000_0', sender: '33010041600000', source: '临海市气象台', sent: '2026-07-01T16:30:00+08:00', codes: ['secClassification:公开'] });
    expect(a.infos[0]).toMatchObject({ severity: 'Extreme', categories: ['Met'], eventCodes: [{ valueName: 'GB/T 35561', value: '11B01' }] });
    expect(a.infos[0].parameters).toEqual([{ valueName: 'method:短信', value: '【台风红色预警】沿海群众请立即转移。' }, { valueName: 'method:应急广播', value: '' }]);
    expect(a.infos[0].areas[0].geocodes).toEqual([{ valueName: 'GB/T 2260', value: '330102001000' }]);
    expect(a.infos[0].areas[1].polygons[0][0]).toEqual([121.4, 28.9]);
  });

  it('takes values indented or on lines of their own, as national files are written (it has no schema to be held to, CAP has)', () => {
    const loose = typhoon.replace('<severity>Red</severity>', '<severity>\n      Red\n    </severity>').replace('<status>Actual</status>', '<status> Actual </status>');
    expect(readGbt(loose)).toEqual(readGbt(typhoon));
  });

  it('writes what it reads back to the same alert', () => {
    const a = readGbt(typhoon);
    expect(readGbt(writeGbt(a))).toEqual(a);
  });

  it('holds the identifier rule, Beijing time, the colours and the codes, naming the element', () => {
    expect(issues(typhoon.replace('<identifier>33010041600000_20260701163000_0', '<identifier>33010041600000_20260732163000_0'))[0]).toMatch(/^alert\.identifier: expected the issuer's 14-digit code/);
    expect(issues(typhoon.replace('<identifier>33010041600000_', '<identifier>33010241600000_'))).toEqual(['alert.identifier: expected to begin with the senderCode 33010041600000']);
    expect(issues(typhoon.replace('<sendTime>2026-07-01T16:30:00+08:00', '<sendTime>2026-07-01T08:30:00+00:00'))[0]).toMatch(/^alert\.sendTime: expected Beijing time/);
    expect(issues(typhoon.replace('<severity>Red', '<severity>Extreme'))[0]).toMatch(/^alert\.info\.0\.severity: expected one of Red, Orange, Yellow, Blue, Unknown/);
    expect(issues(typhoon.replace('<eventType>11B01', '<eventType>typhoon'))[0]).toMatch(/^alert\.info\.0\.eventType: expected a GB\/T 35561 event type code/);
    expect(issues(typhoon.replace('<geocode>330102001000', '<geocode>330102'))[0]).toMatch(/^alert\.info\.0\.area\.0\.geocode\.0: expected a 12-digit division code/);
    expect(issues(typhoon.replace('<alert>', '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'))[0]).toMatch(/expected <alert> in no namespace/);
    const update = (sent: string) => typhoon.replace('<msgType>Alert</msgType>', '<msgType>Update</msgType>').replace('<info>', `<references>33010041600000,33010041600000_20260701150000_0,${sent}</references><info>`);
    expect(() => readGbt(update('2026-07-01T15:00:00+08:00'))).not.toThrow();
    expect(issues(update('2026-02-30T15:00:00+08:00'))[0]).toMatch(/^alert\.references: expected "senderCode,identifier,sendTime"/); // no 30 February
  });

  it('reads and writes the colours by the configured severities: the gravest colour of a severity is written', () => {
    // A province reading orange as Extreme too: red and orange become flash alike.
    const policy = { ...DEFAULT_GBT_POLICY, severities: { ...DEFAULT_GBT_POLICY.severities, Orange: 'Extreme' as const, Yellow: 'Severe' as const } };
    const orange = typhoon.replace('<severity>Red', '<severity>Orange');
    expect(readGbt(orange).infos[0].severity).toBe('Severe');
    const a = readGbt(orange, policy);
    expect(a.infos[0].severity).toBe('Extreme');
    expect(writeGbt(a, policy)).toContain('<severity>Red</severity>');
    expect(readGbt(writeGbt({ ...a, infos: [{ ...a.infos[0], severity: 'Moderate' }] }, policy)).infos[0].severity).toBe('Unknown'); // no colour reads as Moderate
  });

  it('reads the hand-made update and cancel of the typhoon warning, each naming the one before', () => {
    const update = readGbt(fixture('gbt35965/typhoon-orange-update.xml'));
    const cancel = readGbt(fixture('gbt35965/typhoon-cancel.xml'));
    expect(update).toMatchObject({ msgType: 'Update', references: [{ sender: '33010041600000', identifier: '33010041600000_20260701163000_0', sent: '2026-07-01T16:30:00+08:00' }] });
    expect(update.infos[0]).toMatchObject({ severity: 'Severe', urgency: 'Expected' });
    expect(cancel).toMatchObject({ msgType: 'Cancel', references: [{ identifier: update.identifier, sent: update.sent }] });
    for (const x of [update, cancel]) expect(readGbt(writeGbt(x))).toEqual(x);
  });

  it('makes identifiers by the rule: issuer, Beijing entry time, sequence digit', () => {
    expect(gbtIdentifier('33010041600000', Date.parse('2026-07-01T08:30:00Z'), 2)).toBe('33010041600000_20260701163000_2');
    expect(() => gbtIdentifier('33010041600000', 0, 12)).toThrow(RangeError);
  });

  it('enters an eleventh message of one second in the next, so no two identifiers are alike', () => {
    const t = Date.parse('2026-07-01T08:30:00Z');
    const burst = Array.from({ length: 12 }, (_, i) => ({ key: `o${i}`, at: t + i }));
    const slots = gbtSlots([...burst, { key: 'next', at: t + 1_200 }, { key: 'later', at: t + 5_000 }]);
    expect([slots.get('o0'), slots.get('o9'), slots.get('o10'), slots.get('o11')]).toEqual([
      { second: t, sequence: 0 },
      { second: t, sequence: 9 },
      { second: t + 1000, sequence: 0 },
      { second: t + 1000, sequence: 1 },
    ]);
    // A message of the next second comes after the overflow; a quiet second starts at 0 again.
    expect([slots.get('next'), slots.get('later')]).toEqual([{ second: t + 1000, sequence: 2 }, { second: t + 5000, sequence: 0 }]);
    const ids = [...slots.values()].map((s) => gbtIdentifier('33010041600000', s.second, s.sequence));
    expect(new Set(ids).size).toBe(ids.length);
  });
});
