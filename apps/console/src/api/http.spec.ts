import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Api, ApiError } from './http';

const answer = (status: number, body: unknown) => new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('the HTTP client', () => {
  const realFetch = globalThis.fetch;
  afterEach(() => void (globalThis.fetch = realFetch));

  it('sends the token as a Bearer header, never in the URL, and JSON bodies', async () => {
    const seen: [string, RequestInit][] = [];
    globalThis.fetch = (async (url: string, init: RequestInit) => (seen.push([url, init]), answer(202, { orderId: 'o-1' }))) as typeof fetch;
    expect(await new Api('secret').post('/api/orders', { a: 1 })).toEqual({ orderId: 'o-1' });
    expect(seen[0][0]).toBe('/api/orders');
    expect(seen[0][1].headers).toEqual({ Authorization: 'Bearer secret', 'content-type': 'application/json' });
    expect(seen[0][1].body).toBe('{"a":1}');
  });

  it('reads the router error body: status, code, message and the fields at fault', async () => {
    const issues = [{ path: 'order.body', message: 'Too small', code: 'too_small' }];
    globalThis.fetch = (async () => answer(400, { error: { code: 'invalid', message: 'order.body: Too small', issues } })) as typeof fetch;
    const e = (await new Api('t').post('/api/orders', {}).catch((x: unknown) => x)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect([e.status, e.code, e.message, e.issues]).toEqual([400, 'invalid', 'order.body: Too small', issues]);
  });

  it('says when the token is refused (401), and a broken network as such', async () => {
    const refused = jest.fn();
    globalThis.fetch = (async () => answer(401, { error: { code: 'unauthorized', message: 'unknown or revoked token' } })) as typeof fetch;
    await expect(new Api('t', refused).get('/api/me')).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    expect(refused).toHaveBeenCalledTimes(1);
    globalThis.fetch = (async () => answer(403, { error: { code: 'out_of_scope', message: 'x' } })) as typeof fetch;
    await expect(new Api('t', refused).get('/api/orders')).rejects.toMatchObject({ status: 403, code: 'out_of_scope' });
    expect(refused).toHaveBeenCalledTimes(1);
    globalThis.fetch = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    await expect(new Api('t').get('/api/me')).rejects.toMatchObject({ status: 0, code: 'network' });
  });
});
