import { describe, expect, it } from '@jest/globals';
import { createOrderBody, orderSpec } from '@lifeline/contracts';
import { csvFilename, filterQuery, NO_FILTER } from '../board/filters';
import { EMPTY_DRAFT, newClientRef, orderOf, TEMPLATES } from './draft';

describe('the composer draft', () => {
  it('makes an order the contract accepts: roles narrow areas only, minutes become seconds', () => {
    const o = orderOf({ ...EMPTY_DRAFT, body: '请立即转移', areas: ['330102'], roles: ['village-head'], people: [{ id: 'p-000001', name: '张三' }], ackWithinMin: 5, ttlMin: 60 });
    expect(o.to).toEqual({ areas: ['330102'], people: ['p-000001'], roles: ['village-head'] });
    expect(o.ackWithinS).toBe(300);
    expect(o.ttlS).toBe(3600);
    expect(orderSpec.safeParse(o).success).toBe(true);
    // Roles without areas would be refused: they are left out when only people are listed.
    expect(orderOf({ ...EMPTY_DRAFT, body: 'x', roles: ['militia'], people: [{ id: 'p-1', name: 'a' }] }).to).toEqual({ people: ['p-1'] });
  });

  it('circles drawn on the map are fences the contract accepts, and roles narrow them', () => {
    const o = orderOf({ ...EMPTY_DRAFT, body: '山洪预警', roles: ['village-head'], circles: [{ center: [121.05, 28.7], radiusM: 2_500.4 }] });
    expect(o.to).toEqual({ circles: [{ center: [121.05, 28.7], radiusM: 2_500 }], roles: ['village-head'] });
    expect(orderSpec.safeParse(o).success).toBe(true);
  });

  it('polygons drawn on the map are closed rings the contract accepts, and roles narrow them', () => {
    const corners: [number, number][] = [[120.9, 28.6], [121.1, 28.6], [121.1, 28.75]];
    const o = orderOf({ ...EMPTY_DRAFT, body: '山洪预警', roles: ['village-head'], polygons: [corners] });
    expect(o.to).toEqual({ polygons: [{ type: 'Polygon', coordinates: [[...corners, corners[0]]] }], roles: ['village-head'] });
    expect(orderSpec.safeParse(o).success).toBe(true);
    // Crossing itself, it is refused by the contract's own check, as the router would.
    const bowtie: [number, number][] = [[120.9, 28.6], [121.1, 28.75], [121.1, 28.6], [120.9, 28.75]];
    expect(orderSpec.safeParse(orderOf({ ...EMPTY_DRAFT, body: 'x', polygons: [bowtie] })).success).toBe(false);
  });

  it('every template fills a valid order once a target is chosen', () => {
    for (const tpl of Object.values(TEMPLATES)) {
      const parsed = orderSpec.safeParse(orderOf({ ...EMPTY_DRAFT, ...tpl, areas: ['330102'] }));
      expect(parsed.error?.issues ?? []).toEqual([]);
      expect(tpl.ackWithinMin).toBeLessThanOrEqual(tpl.ttlMin);
    }
  });
});

describe('the table filter', () => {
  it('as a query string: groups of statuses, channel, area, name', () => {
    expect(filterQuery(NO_FILTER)).toBe('');
    expect(filterQuery({ ...NO_FILTER, status: 'notReached' })).toBe('status=queued%2Csending%2Csent%2Cexpired%2Cfailed');
    expect(new URLSearchParams(filterQuery({ status: 'notAnswered', channel: 'pdt', area: '330102001', q: ' 张 ' })).get('status')).toBe('queued,sending,sent,delivered,unanswered,expired,failed');
    expect(filterQuery({ status: 'failed', channel: 'pdt', area: '330102001', q: ' 张 ' })).toBe('status=failed&channel=pdt&area=330102001&q=%E5%BC%A0');
  });

  it('names the CSV after the order and the filter', () => {
    expect(csvFilename('A7K2', 'o-mx5mipe1-c2ba1f')).toBe('lifeline-A7K2-o-mx5mipe1-c2ba1f.csv');
    expect(csvFilename('A7K2', 'o-1', { ...NO_FILTER, status: 'notAnswered', area: '330102' })).toBe('lifeline-A7K2-o-1-notAnswered-330102.csv');
    expect(csvFilename('A7K2', 'o:1/2')).toBe('lifeline-A7K2-o_1_2.csv');
  });
});

describe('newClientRef', () => {
  it('needs no secure context (no crypto.randomUUID on plain HTTP at a LAN address) and fits the contract', () => {
    const saved = crypto.randomUUID;
    Object.defineProperty(crypto, 'randomUUID', { value: undefined, configurable: true });
    try {
      const a = newClientRef();
      expect(a).toMatch(/^web-[0-9a-f]{24}$/);
      expect(newClientRef()).not.toBe(a);
      expect(createOrderBody.shape.clientRef.safeParse(`${a}-12`).success).toBe(true);
    } finally {
      Object.defineProperty(crypto, 'randomUUID', { value: saved, configurable: true });
    }
  });
});
