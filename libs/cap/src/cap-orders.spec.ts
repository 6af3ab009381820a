import type { CapAlert, CapInfo } from './cap-alert';
import { chooseLanguage, planOrders, trimDivisionCode, type CapPolicy } from './cap-orders';
import { CapInvalid } from './element-reader';

const NOW = Date.parse('2026-07-01T08:00:00Z');
const policy: CapPolicy = {
  languages: ['zh-CN', 'zh'],
  geocodes: { valueNames: ['GB/T 2260'], map: { 'ZJ-COAST': '330102' } },
  priority: [
    { severity: ['Extreme'], urgency: ['Immediate'], priority: 'flash' },
    { severity: ['Extreme', 'Severe'], priority: 'immediate' },
  ],
  defaultPriority: 'routine',
  answerFor: ['Evacuate'],
  ackWithinS: 600,
  defaultTtlS: 3600,
};
const info = (over: Partial<CapInfo> = {}): CapInfo => ({
  language: 'zh-CN', categories: ['Met'], event: '台风', responseTypes: [], urgency: 'Immediate', severity: 'Extreme', certainty: 'Observed',
  eventCodes: [], parameters: [], resources: [],
  areas: [{ areaDesc: '沙头镇', polygons: [], circles: [], geocodes: [{ valueName: 'GB/T 2260', value: '330102001000' }] }],
  ...over,
});
const alert = (infos: CapInfo[]): CapAlert => ({ identifier: 'a', sender: 's', sent: '2026-07-01T16:00:00+08:00', status: 'Actual', msgType: 'Alert', scope: 'Public', codes: [], references: [], infos });

describe('planOrders: CAP infos and areas to order specs', () => {
  it('maps severity and urgency to priority by the first matching rule, answers by response type, ttl by expires', () => {
    const [flash] = planOrders(alert([info({ responseTypes: ['Evacuate'], expires: '2026-07-01T18:00:00+08:00', headline: '台风红色预警', instruction: '立即转移' })]), policy, NOW).plans;
    expect(flash.spec).toEqual({ priority: 'flash', to: { areas: ['330102001'] }, body: '立即转移', summary: '台风红色预警', ackRequired: true, ackWithinS: 600, ttlS: 7200 });
    expect(planOrders(alert([info({ severity: 'Severe', urgency: 'Expected' })]), policy, NOW).plans[0].spec).toMatchObject({ priority: 'immediate', ackRequired: false, ttlS: 3600, body: '台风' });
    expect(planOrders(alert([info({ severity: 'Minor' })]), policy, NOW).plans[0].spec.priority).toBe('routine');
  });

  it('takes texts without control characters, and cuts a long one between UTF-16 pairs, never inside one', () => {
    const [plan] = planOrders(alert([info({ headline: '台风\u001b[2J红色预警', instruction: '立即\u0007转移\ud800' })]), policy, NOW).plans;
    expect(plan.spec).toMatchObject({ body: '立即转移', summary: '台风[2J红色预警' });
    const long = planOrders(alert([info({ instruction: 'a'.repeat(3_998) + '😀😀' })]), policy, NOW).plans[0].spec.body;
    expect(long.endsWith('a…')).toBe(true); // the emoji's pair would have been split at the limit
  });

  it('skips an expired info, one without areas, and areas with nothing this router can target', () => {
    const r = planOrders(alert([
      info({ expires: '2026-07-01T15:59:59+08:00' }),
      info({ areas: [] }),
      info({ areas: [{ areaDesc: '外省', polygons: [], circles: [{ center: [121, 28], radiusKm: 0 }], geocodes: [{ valueName: 'SAME', value: '006109' }] }] }),
    ]), policy, NOW);
    expect(r.plans).toEqual([]);
    expect(r.skipped.map((s) => s.reason)).toEqual([
      'expired at 2026-07-01T15:59:59+08:00',
      'no area: an info without one targets nobody here',
      expect.stringMatching(/nothing to target.*\(SAME=006109\)/),
    ]);
  });

  it('names geocodes through the map, polygons and circles as fences, and refuses a polygon that cannot be one', () => {
    const area = { areaDesc: '海岸', polygons: [[[121, 28], [121.1, 28], [121.1, 28.1], [121, 28]] as [number, number][]], circles: [{ center: [121, 28] as [number, number], radiusKm: 5 }], geocodes: [{ valueName: 'other', value: 'ZJ-COAST' }] };
    expect(planOrders(alert([info({ areas: [area] })]), policy, NOW).plans[0].spec.to).toEqual({
      areas: ['330102'],
      polygons: [{ type: 'Polygon', coordinates: area.polygons }],
      circles: [{ center: [121, 28], radiusM: 5000 }],
    });
    const bowTie = { ...area, polygons: [[[121, 28], [121.1, 28.1], [121.1, 28], [121, 28.1], [121, 28]] as [number, number][]] };
    expect(() => planOrders(alert([info({ areas: [bowTie] })]), policy, NOW)).toThrow(CapInvalid);
  });

  it("keeps to an order's limits: at most 20 polygons and 100 circles an area, and 100 areas (orders) an alert", () => {
    const issues = (a: CapAlert) => {
      try {
        planOrders(a, policy, NOW);
        return [];
      } catch (e) {
        return (e as CapInvalid).issues;
      }
    };
    const square: [number, number][] = [[121, 28], [121.1, 28], [121.1, 28.1], [121, 28.1], [121, 28]];
    const area = (over: object) => ({ areaDesc: 'x', polygons: [], circles: [], geocodes: [], ...over });
    expect(issues(alert([info({ areas: [area({ polygons: Array(21).fill(square) })] })]))).toEqual([{ path: 'alert.info.0.area.0', message: 'at most 20 polygons in an area (an order\'s limit), got 21' }]);
    expect(issues(alert([info({ areas: [area({ circles: Array(101).fill({ center: [121, 28], radiusKm: 1 }) })] })]))).toEqual([{ path: 'alert.info.0.area.0', message: 'at most 100 circles in an area (an order\'s limit), got 101' }]);
    expect(issues(alert([info({ areas: Array(60).fill(area({ circles: [{ center: [121, 28], radiusKm: 1 }] })) }), info({ areas: Array(41).fill(area({ circles: [{ center: [121, 28], radiusKm: 1 }] })) })]))).toEqual([
      { path: 'alert.info', message: 'at most 100 areas in the zh-CN infos of one alert (each becomes an order), got 101' },
    ]);
    expect(issues(alert([info({ areas: Array(100).fill(area({ circles: Array(100).fill({ center: [121, 28], radiusKm: 1 }) })) })]))).toEqual([]);
  });

  it('prefers the first configured language present, and otherwise the first info', () => {
    const infos = [info({ language: 'en-US' }), info({ language: 'zh-Hans' })];
    expect(chooseLanguage(infos, ['zh-CN', 'zh'])).toBe('zh-Hans');
    expect(chooseLanguage(infos, ['fr'])).toBe('en-US');
  });

  it('cuts 12-digit division codes to the level they name', () => {
    expect(['330102000000', '330102001000', '330102001002', '330102'].map(trimDivisionCode)).toEqual(['330102', '330102001', '330102001002', '330102']);
  });
});
