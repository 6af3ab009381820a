import type { OrderRow, Repositories } from '@lifeline/store';
import { OrderCache } from './order-cache';

function row(id: string): OrderRow {
  return { id, ref: 'K7MP', priority: 'routine', priority_rank: 3, body: '转移', summary: null, ack_required: 0, ack_within_s: 0, expires_at: 0, cancelled: 0 } as unknown as OrderRow;
}

const repos = { orders: { get: async (id: string) => row(id) } } as unknown as Repositories;

describe('OrderCache', () => {
  it('still knows a cancelled order after ten thousand other orders were read', async () => {
    const cache = new OrderCache();
    await cache.get('o-cancelled', repos);
    cache.cancelled('o-cancelled');
    for (let i = 0; i < 10_001; i++) await cache.get(`o-${i}`, repos);
    expect(cache.peek('o-cancelled')).toBeUndefined(); // dropped from the bounded map
    expect(cache.isCancelled('o-cancelled')).toBe(true); // the dispatcher's check does not read rows
    expect(cache.isCancelled('o-1')).toBe(false);
  });

  it('keeps the most recent orders when it drops some, not none', async () => {
    const cache = new OrderCache();
    for (let i = 0; i < 10_005; i++) await cache.get(`o-${i}`, repos);
    expect(cache.peek('o-0')).toBeUndefined();
    expect(cache.peek('o-10004')?.id).toBe('o-10004');
  });

  it('knows an order is cancelled when its row was read before the cancel committed', async () => {
    const cache = new OrderCache();
    let release!: () => void;
    const slow = { orders: { get: (id: string) => new Promise((r) => (release = () => r(row(id)))) } } as unknown as Repositories;
    const reading = cache.get('o-racing', slow); // the row as it was before the cancel
    cache.cancelled('o-racing');
    release();
    expect((await reading)?.cancelled).toBe(true);
    expect(cache.peek('o-racing')?.cancelled).toBe(true);
  });
});
