import { SystemClock, VirtualClock } from './clocks';

describe('SystemClock', () => {
  beforeEach(() => jest.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => jest.useRealTimers());

  it('runs a task at its time, and not before', () => {
    const clock = new SystemClock();
    const ran: number[] = [];
    clock.schedule(clock.now() + 1_000, () => ran.push(Date.now()));
    jest.advanceTimersByTime(999);
    expect(ran).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(ran).toEqual([Date.UTC(2026, 0, 1) + 1_000]);
  });

  it('waits past setTimeout\'s 24.8-day cap by arming again, and fires once at the time asked', () => {
    const clock = new SystemClock();
    const at = clock.now() + 40 * 86_400_000; // 40 days: past 2^31 - 1 ms
    let ran = 0;
    clock.schedule(at, () => ran++);
    jest.advanceTimersByTime(2 ** 31 - 1); // a plain setTimeout would have fired (or at once) here
    expect(ran).toBe(0);
    jest.advanceTimersByTime(at - Date.now() - 1);
    expect(ran).toBe(0);
    jest.advanceTimersByTime(1);
    expect(ran).toBe(1);
    jest.advanceTimersByTime(86_400_000);
    expect(ran).toBe(1);
  });

  it('runs a task whose time has passed at once, and cancels one that has not run, also after a re-arm', () => {
    const clock = new SystemClock();
    const ran: string[] = [];
    clock.schedule(clock.now() - 5_000, () => ran.push('late'));
    const cancelShort = clock.schedule(clock.now() + 10, () => ran.push('short'));
    const cancelLong = clock.schedule(clock.now() + 30 * 86_400_000, () => ran.push('long'));
    jest.advanceTimersByTime(0);
    expect(ran).toEqual(['late']);
    cancelShort();
    jest.advanceTimersByTime(25 * 86_400_000); // the long wait has re-armed by now
    cancelLong();
    jest.advanceTimersByTime(10 * 86_400_000);
    expect(ran).toEqual(['late']);
  });

  it('never keeps the process alive: its timers are unref\'d, long waits included', () => {
    jest.useRealTimers();
    const clock = new SystemClock();
    const spy = jest.spyOn(global, 'setTimeout');
    const cancels = [clock.schedule(Date.now() + 60_000, () => undefined), clock.schedule(Date.now() + 40 * 86_400_000, () => undefined)];
    const handles = spy.mock.results.map((r) => r.value as NodeJS.Timeout);
    expect(handles).toHaveLength(2);
    for (const h of handles) expect(h.hasRef()).toBe(false);
    cancels.forEach((c) => c());
    spy.mockRestore();
  });
});

describe('VirtualClock', () => {
  it('moves only when told, and runs due tasks in time order, ties in the order they were scheduled', async () => {
    const clock = new VirtualClock(1_000);
    const ran: string[] = [];
    clock.schedule(3_000, () => ran.push('c'));
    clock.schedule(2_000, () => ran.push('a'));
    clock.schedule(2_000, () => ran.push('b'));
    clock.schedule(9_000, () => ran.push('later'));
    expect(clock.now()).toBe(1_000);
    await clock.advance(2_000);
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(clock.now()).toBe(3_000);
    expect(clock.next()).toBe(9_000);
  });

  it('shows each task the time it was due, runs what a task schedules within the same advance, and skips what was cancelled', async () => {
    const clock = new VirtualClock(0);
    const seen: number[] = [];
    clock.schedule(100, () => {
      seen.push(clock.now());
      clock.schedule(clock.now() + 50, () => seen.push(clock.now()));
    });
    const cancel = clock.schedule(120, () => seen.push(-1));
    cancel();
    await clock.advanceTo(1_000);
    expect(seen).toEqual([100, 150]);
    expect(clock.now()).toBe(1_000);
    expect(clock.next()).toBeNull();
  });

  it('never goes back: a task for the past runs at the current time, fractions rounded up to whole milliseconds', async () => {
    const clock = new VirtualClock(5_000);
    const seen: number[] = [];
    clock.schedule(10, () => seen.push(clock.now()));
    clock.schedule(5_000.2, () => seen.push(clock.now()));
    await clock.advance(0);
    expect(seen).toEqual([5_000]);
    await clock.advance(1);
    expect(seen).toEqual([5_000, 5_001]);
  });
});
