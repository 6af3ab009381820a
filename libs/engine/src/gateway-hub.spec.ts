import { VirtualClock } from '@lifeline/clock';
import type { GatewayAuth } from '@lifeline/channels';
import type { RouterFrame } from '@lifeline/contracts';
import { AreaTree, Reach, SILENT_LOG } from '@lifeline/domain';
import { GatewayHub, HELLO_LIMIT, JUNK_LIMIT, REPORT_LIMIT } from './gateway-hub';
import type { GatewayInbound } from './gateway-inbound';
import { GatewaySessions } from './gateway-sessions';
import { Tasks } from './tasks';

const tree = new AreaTree([
  { code: 'city', name: 'city', parent: null },
  { code: 'county-a', name: 'a', parent: 'city' },
  { code: 'county-b', name: 'b', parent: 'city' },
]);

/** The inbound use cases, recorded; receipts may be made to wait, as a read would. */
function fakeInbound() {
  const calls: string[] = [];
  let gate: Promise<void> = Promise.resolve();
  const inbound = {
    calls,
    hold(p: Promise<void>) {
      gate = p;
    },
    async receipt(_channel: string, frame: { type: string; attemptId: string }) {
      await gate;
      calls.push(`${frame.type} ${frame.attemptId}`);
      return !frame.attemptId.startsWith('junk');
    },
    async reply(_channel: string, from: string) {
      calls.push(`reply ${from}`);
      return false;
    },
    reported: (channel: string, id: string, state: string) => calls.push(`health ${channel}/${id} ${state}`),
    covered: (channel: string, id: string, areas: string[]) => calls.push(`covered ${channel}/${id} ${areas.join(',')}`),
    offline: (channel: string, id: string) => calls.push(`offline ${channel}/${id}`),
    replaced: (channel: string, id: string) => calls.push(`replaced ${channel}/${id}`),
    returned: () => undefined,
    linkGraceMs: 30_000,
  };
  return inbound;
}

function setup() {
  const clock = new VirtualClock();
  const sessions = new GatewaySessions(new Reach(tree), clock);
  const inbound = fakeInbound();
  const tasks = new Tasks(SILENT_LOG);
  const hub = new GatewayHub(tree, clock, sessions, inbound as unknown as GatewayInbound, tasks, SILENT_LOG);
  const open = (auth: Partial<GatewayAuth> & { channel: string }) => {
    const frames: RouterFrame[] = [];
    let closed: string | null = null;
    const endpoint = hub.open({ send: (f) => frames.push(f), close: (r) => (closed = r) }, { principal: 'tok-1', gatewayIds: null, areas: null, ...auth });
    return { endpoint, frames, errors: () => frames.filter((f) => f.type === 'error').map((f) => (f as { error: { code: string } }).error.code), closed: () => closed };
  };
  const hello = (gatewayId: string, channel: string, areas = ['city']) => ({ type: 'hello', gatewayId, channel, areas, window: 4 });
  return { clock, hub, sessions, inbound, tasks, open, hello, settled: () => tasks.all() };
}

describe('the gateway hub', () => {
  it('puts a gateway online by channel and id, within what its token allows', async () => {
    const { hub, inbound, open, hello } = setup();
    const pdt = open({ channel: 'pdt', gatewayIds: ['radio-1'], areas: ['county-a'] });
    pdt.endpoint.receive(hello('radio-1', 'public'));
    pdt.endpoint.receive(hello('radio-2', 'pdt', ['county-a']));
    pdt.endpoint.receive(hello('radio-1', 'pdt', ['city']));
    pdt.endpoint.receive(hello('radio-1', 'pdt', ['nowhere']));
    pdt.endpoint.receive(hello('radio-1', 'pdt', ['county-a']));
    pdt.endpoint.receive(hello('radio-9', 'pdt', ['county-a']));
    await new Promise((r) => setImmediate(r));
    // An unknown area is out of a scoped token's scope: it learns nothing of the directory beyond it.
    expect(pdt.errors()).toEqual(['wrong_channel', 'forbidden_gateway_id', 'out_of_scope', 'out_of_scope', 'forbidden_gateway_id']);
    expect(hub.connected()).toEqual([{ gatewayId: 'radio-1', channel: 'pdt', areas: ['county-a'], window: 4 }]);
    expect(inbound.calls).toEqual(['covered pdt/radio-1 county-a']);
  });

  it('keeps a gateway id online to the token that holds it; the same token reconnecting replaces its link', async () => {
    const { hub, inbound, open, hello } = setup();
    const first = open({ channel: 'public' });
    first.endpoint.receive(hello('sms-1', 'public'));
    const other = open({ channel: 'public', principal: 'tok-2' });
    other.endpoint.receive(hello('sms-1', 'public'));
    const again = open({ channel: 'public' });
    again.endpoint.receive(hello('sms-1', 'public'));
    // Another channel's gateway of the same name stands beside it, displacing nothing.
    const pdt = open({ channel: 'pdt' });
    pdt.endpoint.receive(hello('sms-1', 'pdt'));
    await new Promise((r) => setImmediate(r));
    expect(other.errors()).toEqual(['gateway_id_in_use']);
    expect(hub.connected().map((g) => `${g.channel}/${g.gatewayId}`).sort()).toEqual(['pdt/sms-1', 'public/sms-1']);
    // The stale link is handed over, not taken offline: no outage is published for a reconnect.
    expect(inbound.calls.filter((c) => c.startsWith('offline') || c.startsWith('replaced'))).toEqual(['replaced public/sms-1']);
    expect(first.closed()).toMatch(/replaced/);
    first.endpoint.closed(); // its late close changes nothing: the new link holds the id
    expect(hub.connected()).toHaveLength(2);
  });

  it("handles a gateway's frames one after another, even when one waits on a read", async () => {
    const { inbound, open, hello, settled } = setup();
    const gw = open({ channel: 'public' });
    gw.endpoint.receive(hello('sms-1', 'public'));
    let release!: () => void;
    inbound.hold(new Promise<void>((r) => (release = r)));
    gw.endpoint.receive({ type: 'accepted', attemptId: 'o:p#1' });
    gw.endpoint.receive({ type: 'reply', from: '138', text: '1' });
    gw.endpoint.receive({ type: 'health', state: 'degraded', areas: ['county-a'] });
    await new Promise((r) => setImmediate(r));
    expect(inbound.calls).toEqual(['covered public/sms-1 city']); // the rest waits behind the receipt
    release();
    await settled();
    expect(inbound.calls).toEqual(['covered public/sms-1 city', 'accepted o:p#1', 'reply 138', 'health public/sms-1 degraded']);
  });

  it('cuts off a gateway sending more than its share of frames that change nothing', async () => {
    const { hub, open, hello, settled } = setup();
    const gw = open({ channel: 'public' });
    gw.endpoint.receive(hello('sms-1', 'public'));
    for (let i = 0; i < JUNK_LIMIT + 10; i++) gw.endpoint.receive({ type: 'delivered', attemptId: `junk#${i}` });
    await settled();
    expect(gw.closed()).toBe('flooding');
    expect(gw.errors()).toEqual(['flooding']);
    expect(hub.connected()).toEqual([]);
  });

  it('takes only its share of health and coverage frames a minute, and an unscoped token learns unknown areas', async () => {
    const { clock, inbound, open, hello, settled } = setup();
    const gw = open({ channel: 'public' });
    gw.endpoint.receive(hello('sms-1', 'public'));
    gw.endpoint.receive({ type: 'health', state: 'up', areas: ['nowhere'] });
    for (let i = 0; i < REPORT_LIMIT + 5; i++) gw.endpoint.receive({ type: 'health', state: i % 2 ? 'up' : 'down', areas: ['county-a'] });
    await settled();
    expect(gw.errors()).toEqual(['unknown_area', ...Array(6).fill('too_many_reports')]);
    expect(inbound.calls.filter((c) => c.startsWith('health'))).toHaveLength(REPORT_LIMIT - 1);
    await clock.advance(60_000); // a new minute
    gw.endpoint.receive({ type: 'health', state: 'up', areas: ['county-a'] });
    await settled();
    expect(inbound.calls.filter((c) => c.startsWith('health'))).toHaveLength(REPORT_LIMIT);
  });

  it('takes one hello a link: said again, even as the same gateway, it is refused and publishes nothing', async () => {
    const { inbound, open, hello, settled } = setup();
    const gw = open({ channel: 'drone' });
    for (let i = 0; i < 5; i++) gw.endpoint.receive(hello('wing-1', 'drone', i % 2 ? [] : ['city']));
    await settled();
    expect(gw.errors()).toEqual(Array(4).fill('hello_again'));
    expect(inbound.calls).toEqual(['covered drone/wing-1 city']);
  });

  it('takes a gateway id\'s hellos at most HELLO_LIMIT a minute over all its links: reconnecting in a loop floods nothing', async () => {
    const { clock, inbound, open, hello, settled } = setup();
    const links = [];
    for (let i = 0; i < HELLO_LIMIT + 5; i++) {
      const gw = open({ channel: 'drone' });
      gw.endpoint.receive(hello('wing-1', 'drone', i % 2 ? ['county-a'] : ['city']));
      await settled();
      links.push(gw);
      gw.endpoint.closed();
    }
    expect(links.slice(HELLO_LIMIT).map((l) => l.errors())).toEqual(Array(5).fill(['too_many_reports']));
    expect(inbound.calls.filter((c) => c.startsWith('covered'))).toHaveLength(HELLO_LIMIT);
    await clock.advance(60_000);
    const later = open({ channel: 'drone' });
    later.endpoint.receive(hello('wing-1', 'drone'));
    await settled();
    expect(later.errors()).toEqual([]);
  });

  it("holds a gateway id whose link dropped for its own token until the grace ends: another token cannot take it, and what it was handed, meanwhile", async () => {
    const { clock, hub, open, hello, settled } = setup();
    const city = open({ channel: 'pdt', principal: 'tok-city' });
    city.endpoint.receive(hello('radio-city', 'pdt'));
    await settled();
    city.endpoint.closed(); // a blip
    const county = open({ channel: 'pdt', principal: 'tok-county', areas: ['county-a'] });
    county.endpoint.receive(hello('radio-city', 'pdt', ['county-a']));
    await settled();
    expect(county.errors()).toEqual(['gateway_id_in_use']);
    const back = open({ channel: 'pdt', principal: 'tok-city' }); // the real gateway returns
    back.endpoint.receive(hello('radio-city', 'pdt'));
    await settled();
    expect(back.errors()).toEqual([]);
    expect(hub.connected()).toEqual([{ gatewayId: 'radio-city', channel: 'pdt', areas: ['city'], window: 4 }]);
    back.endpoint.closed();
    await clock.advance(30_001); // past the grace: the id is free for whoever may claim it
    const later = open({ channel: 'pdt', principal: 'tok-county', areas: ['county-a'] });
    later.endpoint.receive(hello('radio-city', 'pdt', ['county-a']));
    await settled();
    expect(later.errors()).toEqual([]);
  });

  it("lets a token for every area that names the id take it from a scoped token's link, never the other way round", async () => {
    const { hub, inbound, open, hello, settled } = setup();
    const county = open({ channel: 'pdt', principal: 'tok-county', areas: ['county-a'] });
    county.endpoint.receive(hello('radio-city', 'pdt', ['county-a'])); // the city gateway is away
    await settled();
    // A token for every area but for any id makes no claim on this one.
    const anyId = open({ channel: 'pdt', principal: 'tok-any' });
    anyId.endpoint.receive(hello('radio-city', 'pdt'));
    await settled();
    expect(anyId.errors()).toEqual(['gateway_id_in_use']);
    const city = open({ channel: 'pdt', principal: 'tok-city', gatewayIds: ['radio-city', 'radio-9'] });
    city.endpoint.receive(hello('radio-city', 'pdt'));
    await settled();
    expect(city.errors()).toEqual([]);
    expect(county.closed()).toMatch(/replaced/);
    // What the county's link held was never the city gateway's: gone, back to the queue.
    expect(inbound.calls).toContain('offline pdt/radio-city');
    expect(inbound.calls).not.toContain('replaced pdt/radio-city');
    expect(hub.connected()).toEqual([{ gatewayId: 'radio-city', channel: 'pdt', areas: ['city'], window: 4 }]);
    const again = open({ channel: 'pdt', principal: 'tok-county', areas: ['county-a'] });
    again.endpoint.receive(hello('radio-city', 'pdt', ['county-a']));
    await settled();
    expect(again.errors()).toEqual(['gateway_id_in_use']);
    // A scoped token's gateway whose link dropped: a token for every area takes the id in its
    // grace, and what the old link held goes back to the queue at once.
    const pdt = open({ channel: 'pdt', principal: 'tok-county', areas: ['county-a'] });
    pdt.endpoint.receive(hello('radio-9', 'pdt', ['county-a']));
    await settled();
    pdt.endpoint.closed();
    const calls = inbound.calls.length;
    const taker = open({ channel: 'pdt', principal: 'tok-city', gatewayIds: ['radio-city', 'radio-9'] });
    taker.endpoint.receive(hello('radio-9', 'pdt'));
    await settled();
    expect(taker.errors()).toEqual([]);
    expect(inbound.calls.slice(calls)).toEqual(['offline pdt/radio-9', 'covered pdt/radio-9 city']);
  });
});
