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
