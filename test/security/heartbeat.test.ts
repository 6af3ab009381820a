import { Client, testServer, TOKENS, type TestServer } from '../support/server';
import { StubbornSocket } from '../support/raw-client';

/**
 * A peer gone without a word (asleep, unplugged, a NAT that forgot it) must give back its
 * token's and its address's places: every WebSocket is pinged, and one that let a ping go
 * unanswered is ended. A client that answers (browsers, the SDK, any ws library) stays.
 */
describe('WebSocket heartbeat (security)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await testServer({
      tweak: (c) => {
        c.server.pingS = 0.1;
        c.security.maxSocketsPerToken = 2;
      },
    });
  });
  afterAll(async () => s.close());

  const bearer = { Authorization: `Bearer ${TOKENS.console}` };

  it('ends sockets whose peer answers no ping, so a token that lost them may connect again; a peer that answers stays', async () => {
    const alive = await Client.open(s.url, TOKENS.drill); // a ws client: it answers pings by itself
    const gone = [await StubbornSocket.open(s.url, '/ws', bearer), await StubbornSocket.open(s.url, '/ws', bearer)];
    await expect(StubbornSocket.open(s.url, '/ws', bearer)).rejects.toThrow(/429/); // the token's places are taken
    for (const g of gone) await g.until(() => g.closed, 5_000); // two unanswered pings at most
    const again = await StubbornSocket.open(s.url, '/ws', bearer);
    expect(again.closed).toBe(false);
    expect(alive.closed).toBeNull(); // open all along: it answered the same beats
    again.destroy();
    alive.ws.close();
  });
});
