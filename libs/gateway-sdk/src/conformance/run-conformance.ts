import { type Clock, SystemClock } from '@lifeline/clock';
import type { GatewayFrame, SendFrame } from '@lifeline/contracts';

import { FakeRouter } from './fake-router';
import { orderViolations } from './order-violations';
import { hideCredentials } from '../link/nats-servers';

export interface ConformanceOptions {
  /** The channel the adapter serves (its hello must say so). */
  channel: string;
  /** Terminal addresses the adapter's far end accepts and delivers to. */
  to: string[];
  /** An address the far end rejects for good (an invalid number): checks `permanent: true`. */
  invalidTo?: string;
  /** False for channels that give no delivery receipts (e.g. PDT group messages). */
  expectDelivered?: boolean;
  /** How long one step may take: a Beidou card's 60 s interval needs more. */
  stepTimeoutMs?: number;
  host?: string;
  port?: number;
  /** Play the router on this NATS server (the gateway link over NATS) instead of a WebSocket port. */
  bus?: string;
  /** The token the adapter must present; any token when absent. */
  token?: string;
  /**
   * Starts the adapter pointed at `url` with `token` (the CLI spawns a command); returns how to
   * stop it. Without it the kit waits for an adapter started by hand.
   */
  start?: (url: string, token: string) => Promise<() => Promise<void>>;
  /**
   * The adapter keeps its in-flight device keys durably (its `stateFile`): check that it can be
   * restarted between a send and its receipt and still settle the attempt. Needs `start`, and a
   * far end whose receipts take longer than a restart (or the check proves little).
   */
  restart?: boolean;
  clock?: Clock;
  log?: (message: string) => void;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ConformanceReport {
  ok: boolean;
  url: string;
  gatewayId: string | null;
  window: number | null;
  checks: CheckResult[];
}

const TEXT = '[CONF] 龙卷风预警：请立即转移。回复1确认';

/**
 * Plays the router against an adapter and checks that it keeps the gateway link's promises:
 * hello, bad frames survived, every send answered within the window, receipts for every
 * accepted send in a legal order, repeated attempts answered and not contradicted, permanent
 * failures marked, and a dropped link re-established with nothing lost.
 */
export async function runConformance(o: ConformanceOptions): Promise<ConformanceReport> {
  const clock = o.clock ?? new SystemClock();
  const log = o.log ?? (() => {});
  const token = o.token ?? 'conformance-token';
  const step = o.stepTimeoutMs ?? 30_000;
  const expectDelivered = o.expectDelivered ?? true;
  const router = new FakeRouter(clock, o.token ?? null);
  const url = o.bus ? await router.listenOnBus(o.bus) : await router.listen(o.host ?? '127.0.0.1', o.port ?? 0);
  const checks: CheckResult[] = [];
  const report: ConformanceReport = { ok: false, url, gatewayId: null, window: null, checks };
  let stopAdapter: (() => Promise<void>) | null = null;
  let n = 0;
  const sent = new Map<string, SendFrame>();
  const send = (to: string): SendFrame => {
    const f: SendFrame = { type: 'send', attemptId: `conf-${clock.now().toString(36)}-${++n}:1`, orderId: 'conformance', ref: 'CONF', to, priority: 'flash', text: TEXT, ackRequired: true };
    sent.set(f.attemptId, f);
    router.send(f);
    return f;
  };
  const has = (id: string, type: GatewayFrame['type']) => router.framesOf(id).some((f) => f.type === type);
  const answered = (id: string) => has(id, 'accepted') || has(id, 'failed');
  const settled = (id: string) => has(id, 'failed') || has(id, 'delivered') || (!expectDelivered && has(id, 'accepted'));
  const check = async (name: string, body: () => Promise<string>): Promise<boolean> => {
    log(`- ${name} ...`);
    try {
      if (checks.length) await router.until(() => router.ready, step * 2, 'the adapter to be connected and say hello');
      const detail = await body();
      checks.push({ name, ok: true, detail });
      log(`  ok: ${detail}`);
      return true;
    } catch (e) {
      checks.push({ name, ok: false, detail: (e as Error).message });
      log(`  FAILED: ${(e as Error).message}`);
      return false;
    }
  };

  try {
    if (o.start) stopAdapter = await o.start(url, token);
    else log(`waiting for the adapter at ${hideCredentials(url)} (token: ${token})`);

    const hello = () => router.seen.find((s) => s.frame.type === 'hello')?.frame as Extract<GatewayFrame, { type: 'hello' }> | undefined;
    const helloOk = await check('says hello first, for its channel', async () => {
      await router.until(() => router.seen.length > 0 || router.invalid.length > 0, step, 'a first frame');
      const first = router.seen[0]?.frame;
      if (!first || first.type !== 'hello') throw new Error(`first frame was ${first ? first.type : router.invalid[0]?.problem}`);
      if (first.channel !== o.channel) throw new Error(`hello for channel ${first.channel}, expected ${o.channel}`);
      report.gatewayId = first.gatewayId;
      report.window = first.window;
      if (first.areas.length) return `gatewayId ${first.gatewayId}, window ${first.window}, areas ${first.areas.join(',')}`;
      // A gateway that names no areas (a drone) is sent nothing until it announces coverage.
      const covers = () => router.seen.some((s) => s.frame.type === 'coverage' && s.frame.areas.length > 0);
      await router.until(covers, step, 'a coverage frame: the hello named no areas');
      const c = router.seen.find((s) => s.frame.type === 'coverage' && s.frame.areas.length > 0)!.frame as Extract<GatewayFrame, { type: 'coverage' }>;
      return `gatewayId ${first.gatewayId}, window ${first.window}, coverage ${c.areas.join(',')} until ${c.until}`;
    });
    if (!helloOk) return finish();
    const window = hello()!.window;

    await check('survives bad router frames and stays connected', async () => {
      router.sendRaw('this is not JSON');
      router.send({ type: 'surprise' });
      router.send({ type: 'send', attemptId: 'conf-broken:1' });
      router.send({ type: 'error', error: { code: 'bad_frame', message: 'a test of the error path' } });
      const probe = send(o.to[0]);
      await router.until(() => answered(probe.attemptId) || !router.connected, step, `an answer to ${probe.attemptId}`);
      if (!router.connected || router.linkCount > 1) throw new Error('the link dropped after bad frames');
      if (router.framesOf('conf-broken:1').length) throw new Error('answered a send that was missing fields');
      return 'ignored four bad frames, answered the next send';
    });

    await check(`answers every send of a full window (${window})`, async () => {
      const batch = Array.from({ length: window }, (_, i) => send(o.to[i % o.to.length]));
      await router.until(() => batch.every((f) => answered(f.attemptId)), step * Math.max(1, Math.ceil(window / 8)), 'an answer to every send');
      const accepted = batch.filter((f) => has(f.attemptId, 'accepted')).length;
      if (accepted === 0) throw new Error('every send of the window failed');
      return `${accepted} accepted, ${window - accepted} failed`;
    });

    await check(expectDelivered ? 'confirms delivery of every accepted send' : 'settles every send', async () => {
      const ids = [...sent.keys()].filter((id) => router.framesOf(id).length);
      await router.until(() => ids.every(settled), step * 2, 'a final answer to every send');
      return `${ids.filter((id) => has(id, 'delivered')).length} delivered, ${ids.filter((id) => has(id, 'failed')).length} failed`;
    });

    await check('answers a repeated attempt with what it knows, not a contradiction', async () => {
      const done = [...sent.keys()].find((id) => has(id, 'delivered') || has(id, 'accepted'));
      if (!done) throw new Error('no accepted attempt to repeat');
      const before = router.framesOf(done).length;
      router.send(sent.get(done)!);
      const marker = send(o.to[0]);
      await router.until(() => settled(marker.attemptId) && router.framesOf(done).length > before, step, `an answer to the repeat of ${done}`);
      return `repeat of ${done} answered again (${router.framesOf(done).length - before} frames)`;
    });

    if (o.invalidTo)
      await check('marks a rejected address as a permanent failure', async () => {
        const bad = send(o.invalidTo!);
        await router.until(() => has(bad.attemptId, 'failed'), step, `failed for ${o.invalidTo}`);
        const f = router.framesOf(bad.attemptId).find((x) => x.type === 'failed') as Extract<GatewayFrame, { type: 'failed' }>;
        if (!f.permanent) throw new Error(`failed, but permanent: false (${f.reason})`);
        return `failed permanently: ${f.reason}`;
      });

    await check('comes back after the link drops, with nothing lost', async () => {
      const links = router.linkCount;
      const inFlight = send(o.to[0]);
      router.drop();
      await router.until(() => router.linkCount > links && router.seen.some((s) => s.link > links && s.frame.type === 'hello'), step * 2, 'a reconnect and a new hello');
      const again = router.seen.find((s) => s.link > links && s.frame.type === 'hello')!.frame as Extract<GatewayFrame, { type: 'hello' }>;
      if (again.gatewayId !== report.gatewayId) throw new Error(`reconnected as ${again.gatewayId}, not ${report.gatewayId}`);
      router.send(inFlight); // the router sends unanswered attempts again after a reconnect
      await router.until(() => settled(inFlight.attemptId), step * 2, `a final answer to ${inFlight.attemptId}, in flight at the drop`);
      return `hello again as ${again.gatewayId}; the attempt in flight was answered`;
    });

    if (o.restart && o.start)
      await check('settles attempts whose receipts come after an adapter restart', async () => {
        // One send to each address: a far end that answers some sends at once (a fast handset)
        // and others late still leaves one to settle after the restart.
        const links = router.linkCount;
        const out = o.to.map((to) => send(to));
        await router.until(() => out.every((f) => answered(f.attemptId)), step * out.length, `an answer to ${out.map((f) => f.attemptId).join(', ')}`);
        const lost = out.find((f) => !has(f.attemptId, 'accepted'));
        if (lost) throw new Error(`${lost.attemptId} failed before the restart`);
        const early = out.filter((f) => settled(f.attemptId)).length;
        await stopAdapter?.();
        stopAdapter = await o.start!(url, token);
        await router.until(() => router.seen.some((s) => s.link > links && s.frame.type === 'hello'), step * 2, 'the restarted adapter to say hello');
        await router.until(() => out.every((f) => settled(f.attemptId)), step * 2, `a final answer to each of ${out.map((f) => f.attemptId).join(', ')} after the restart`);
        if (early === out.length) return 'settled before the restart (the far end was faster than the restart)';
        return `settled after the restart, from what outlived it${early ? ` (${out.length - early} of ${out.length}; the others before it)` : ''}`;
      });

    await check('sends only frames of the contract, in a legal order', async () => {
      const problems = [...router.invalid.map((i) => `link ${i.link}: ${i.problem}`), ...orderViolations(router.seen, new Set(sent.keys()))];
      if (problems.length) throw new Error(problems.slice(0, 5).join('; ') + (problems.length > 5 ? ` (+${problems.length - 5} more)` : ''));
      return `${router.seen.length} frames, all valid`;
    });
    return finish();
  } finally {
    await stopAdapter?.().catch((e) => log(`stopping the adapter: ${(e as Error).message}`));
    await router.close();
  }

  function finish(): ConformanceReport {
    report.ok = checks.length > 0 && checks.every((c) => c.ok);
    return report;
  }
}
