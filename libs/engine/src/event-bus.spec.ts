import { VirtualClock } from '@lifeline/clock';
import type { EventStore, StoredEvent } from '@lifeline/store';
import { EventBus, type BusEvent } from './event-bus';

const event = (seq: number): BusEvent => ({ frame: { type: 'receipt', seq } as BusEvent['frame'], areaPath: '/a/' });

/** An events table holding `seqs`, as `since` reads it. */
function table(seqs: number[]): Pick<EventStore, 'since'> {
  return {
    since: async (after, limit) =>
      seqs.filter((s) => s > after).slice(0, limit).map((seq): StoredEvent => ({ seq, type: 'receipt', at: 0, orderId: null, areaPath: '/a/', payload: { type: 'receipt' } })),
  };
}

describe('EventBus', () => {
  it('passes events straight on with one writer, in the order they come', () => {
    const bus = new EventBus();
    const seen: number[] = [];
    bus.events$.subscribe((e) => seen.push(e.frame.seq));
    bus.publish([event(7), event(5)]);
    expect(seen).toEqual([7, 5]);
  });

  it('hands out the events of lanes committed at once in seq order, holding those after a hole', () => {
    const clock = new VirtualClock();
    const bus = new EventBus({ next: 10, events: table([]), clock });
    const seen: number[] = [];
    bus.events$.subscribe((e) => seen.push(e.frame.seq));
    bus.publish([event(12), event(13)]); // a lane whose commit was answered first
    expect(seen).toEqual([]);
    bus.publish([event(10), event(11)]);
    expect(seen).toEqual([10, 11, 12, 13]);
    bus.publish([event(11)]); // a repeat of what went out already is dropped
    expect(seen).toEqual([10, 11, 12, 13]);
  });

  it('reads a hole from the events table once it has stayed open a second (a commit whose answer was lost)', async () => {
    const clock = new VirtualClock();
    const bus = new EventBus({ next: 10, events: table([10, 11, 12]), clock });
    const seen: number[] = [];
    bus.events$.subscribe((e) => seen.push(e.frame.seq));
    bus.publish([event(12)]);
    await clock.advance(999);
    expect(seen).toEqual([]);
    await clock.advance(1);
    expect(seen).toEqual([10, 11, 12]);
  });

  it('passes over a seq the table does not have while later ones are there, rather than stall', async () => {
    const clock = new VirtualClock();
    const bus = new EventBus({ next: 10, events: table([11, 12]), clock });
    const seen: number[] = [];
    bus.events$.subscribe((e) => seen.push(e.frame.seq));
    bus.publish([event(12)]);
    await clock.advance(1_000);
    expect(seen).toEqual([11, 12]);
    bus.publish([event(13)]);
    expect(seen).toEqual([11, 12, 13]);
  });
});
