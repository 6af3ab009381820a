import { Areas } from './areas';

/** A corner of the demo city, for the console's unit tests: a county, two towns, three villages. */
export const DEMO_TREE = new Areas([
  { code: '3301', name: '临海市', parent: null },
  { code: '330102', name: '滨江县', parent: '3301' },
  { code: '330102001', name: '沙头镇', parent: '330102' },
  { code: '330102001001', name: '东岙村', parent: '330102001' },
  { code: '330102001002', name: '西岙村', parent: '330102001' },
  { code: '330102002', name: '石门镇', parent: '330102' },
  { code: '330102002001', name: '石门村', parent: '330102002' },
]);
