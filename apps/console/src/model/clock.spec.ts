import { describe, expect, it } from '@jest/globals';
import { minutesLeft, RouterClock } from './clock';

describe("the router's clock", () => {
  it('is the browser clock until an event is seen, then the latest event time at least', () => {
    let local = Date.parse('2026-12-05T10:00:00Z');
    const c = new RouterClock(() => local);
    expect(c.now()).toBe(local);
    c.saw('2026-01-01T01:00:00Z'); // a drill on virtual time: hours apart
    expect(new Date(c.now()).toISOString()).toBe('2026-01-01T01:00:00.000Z');
    c.saw('2026-01-01T00:30:00Z'); // replayed, older: changes nothing
    c.saw('not a time');
    local += 60_000;
    expect(new Date(c.now()).toISOString()).toBe('2026-01-01T01:01:00.000Z');
    c.saw('2026-01-01T02:00:00Z'); // the router's clock jumped on
    expect(new Date(c.now()).toISOString()).toBe('2026-01-01T02:00:00.000Z');
  });

  it('counts minutes left, rounded up, never below 0', () => {
    const now = Date.parse('2026-01-01T01:00:00Z');
    expect(minutesLeft('2026-01-01T06:00:00Z', now)).toBe(300);
    expect(minutesLeft('2026-01-01T01:00:01Z', now)).toBe(1);
    expect(minutesLeft('2026-01-01T00:59:00Z', now)).toBe(0);
  });
});
