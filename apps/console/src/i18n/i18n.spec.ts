import { describe, expect, it } from '@jest/globals';
import { en } from './en';
import { zh } from './zh';

describe('the two languages', () => {
  it('have the same keys, each with the same placeholders and some text', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
    const holes = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const k of Object.keys(zh) as (keyof typeof zh)[]) {
      expect([k, holes(en[k])]).toEqual([k, holes(zh[k])]);
      expect(en[k].trim()).not.toBe('');
    }
  });
});

describe('names of roles and channels', () => {
  it('are the words dispatchers use in each language, and a code neither knows shows as itself', async () => {
    const { nameOf, translator } = await import('./index');
    const zhT = translator('zh');
    const enT = translator('en');
    expect(['village-head', 'grid-worker'].map((r) => nameOf(zhT, 'role', r))).toEqual(['村干部', '网格员']);
    expect(['public', 'pdt', 'tiantong', 'beidou', 'drone'].map((c) => nameOf(zhT, 'channel', c))).toEqual(['公网', '370MHz', '天通', '北斗', '无人机']);
    expect(nameOf(enT, 'role', 'village-head')).toBe('village head');
    expect(nameOf(zhT, 'role', 'harbour-master')).toBe('harbour-master');
    expect(nameOf(zhT, 'channel', 'mesh')).toBe('mesh');
  });
});
