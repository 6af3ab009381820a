import { spawn, type ChildProcess } from 'node:child_process';
import { SmppAdapter, smppConfig } from '../../apps/gateway-smpp/src/smpp-adapter';
import { freePort } from '../../scripts/lib/free-port';
import { testServer, type TestServer } from '../support/server';
import { turnsUntil } from '../support/turns';

const ADMIN = { id: 'c', role: 'admin' as const, areas: null, channel: null };

/**
 * The SMS centre adapter against an SMS centre built on Net::SMPP (Debian's libnet-smpp-perl,
 * test/far-ends/net-smpp-smsc.pl): an SMPP implementation the project did not write. The bind,
 * a long Chinese order in UCS-2 segments, text-form receipts and an answer must all work with it.
 */
describe('SMS centre adapter against an independent SMPP implementation (Net::SMPP)', () => {
  let perl: ChildProcess;
  let output = '';
  let s: TestServer;
  let adapter: SmppAdapter;

  beforeAll(async () => {
    const port = await freePort();
    perl = spawn('perl', ['test/far-ends/net-smpp-smsc.pl', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    perl.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    perl.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    // Without the Debian package the far end cannot start: fail saying so (.ci/run installs it).
    await turnsUntil(() => output.includes('listening') || perl.exitCode !== null, 'the Net::SMPP SMS centre to listen');
    if (!output.includes('listening')) throw new Error(`the Net::SMPP SMS centre did not start (apt-get install libnet-smpp-perl): ${output}`);
    s = await testServer({ simulators: 'pdt,tiantong,beidou' });
    adapter = new SmppAdapter(
      smppConfig.parse({
        router: { url: s.url.replace('http', 'ws') + '/gateway', token: 'demo-gateway-public' },
        gatewayId: 'smsc-perl',
        areas: ['330100'],
        window: 8,
        reconnect: { baseMs: 20, maxMs: 200 },
        smsc: { url: `smpp://127.0.0.1:${port}`, systemId: 'lifeline', password: 'secret', sourceAddr: '12379', reconnect: { baseMs: 20, maxMs: 200 } },
      }),
    );
    adapter.start();
    await turnsUntil(async () => (await s.advance(0), s.lifeline.core.channelState('public', '330100') === 'up'), 'the bind to the Net::SMPP SMS centre');
  });
  afterAll(async () => {
    await adapter?.stop();
    await s?.close();
    perl?.kill();
  });

  it('delivers a long Chinese order by its text-form receipts, and the answer closes 叫应', async () => {
    const body = '台风“梅花”今晚登陆滨江县沿海，风力可达十四级。请立即组织沿海低洼地带、危旧房屋和渔船上的群众向避灾安置点转移，清点人数后上报。';
    const a = await s.lifeline.core.orders.accept(ADMIN, 'perl-1', { priority: 'flash', to: { people: ['p-000001'] }, body, ackRequired: true, ackWithinS: 600, ttlS: 3600 });
    try { await turnsUntil(async () => (await s.advance(0), (await s.lifeline.store.read.deliveries.countsByStatus(a.orderId)).acknowledged === 1), 'the acknowledgement'); } catch (e) { console.log(output, await s.lifeline.store.read.deliveries.countsByStatus(a.orderId)); throw e; }
    const submits = output.split('\n').filter((l) => l.startsWith('submit 13096544257'));
    expect(submits.length).toBeGreaterThan(1); // segments, each with its own message id and receipt
    expect(output).toContain('bound');
    expect(output).toContain('answered 13096544257'); // it read the UCS-2 text as the router wrote it
  });

  it('writes a Latin text in the GSM default alphabet, not ASCII: @ £ é and the escaped €', async () => {
    const a = await s.lifeline.core.orders.accept(ADMIN, 'perl-3', { priority: 'immediate', to: { people: ['p-000003'] }, body: 'Go @ 5pm, fee £0, café, €1', ackRequired: false, ackWithinS: 600, ttlS: 3600 });
    await turnsUntil(async () => (await s.advance(0), (await s.lifeline.store.read.deliveries.countsByStatus(a.orderId)).delivered === 1), 'the delivery');
    const line = output.split('\n').find((l) => l.startsWith('default-alphabet '));
    expect(line).toBeDefined();
    const hex = line!.split(' ')[2];
    // 3GPP TS 23.038: '@' is 0x00, '£' 0x01, 'é' 0x05, '€' the escape 0x1B then 0x65; ASCII would be 40, a3, e9, '?'.
    expect(hex).toContain(Buffer.from('Go ').toString('hex') + '00');
    expect(hex).toContain(`${Buffer.from('fee ').toString('hex')}01`);
    expect(hex).toContain(`${Buffer.from('caf').toString('hex')}05`);
    expect(hex).toContain('1b65');
  });

  it('settles a short order that asks no answer as delivered', async () => {
    const a = await s.lifeline.core.orders.accept(ADMIN, 'perl-2', { priority: 'immediate', to: { people: ['p-000002'] }, body: '请到岗。', ackRequired: false, ackWithinS: 600, ttlS: 3600 });
    await turnsUntil(async () => (await s.advance(0), (await s.lifeline.store.read.deliveries.countsByStatus(a.orderId)).delivered === 1), 'the delivery');
  });
});
