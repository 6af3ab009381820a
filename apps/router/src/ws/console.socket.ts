import { yieldTurn } from '@lifeline/clock';
import type { WebSocket } from 'ws';
import { consoleFrame, describeIssues, summarizeIssues } from '@lifeline/contracts';
import { RequestError, type BusEvent, type Principal, type NodeCore } from '@lifeline/engine';
import type { Subscription } from 'rxjs';
import type { Lifeline } from '../lifeline';
import { eventVisibleTo } from '../auth/scope';
import { guardSocket } from './socket-guard';
import { readJson } from './upgrade';
import type { TokenSockets } from './token-sockets';

const REPLAY_PAGE = 1_000;
/** Above this many bytes waiting on the socket, a replay pauses until it drains. */
const HIGH_WATER = 4 * 1024 * 1024;
/**
 * A console this far behind the live stream is not reading: it is closed (1008) rather than let
 * the router's memory grow; it reconnects with `subscribe since` and misses nothing.
 */
const TOO_SLOW = 16 * 1024 * 1024;
/** Live events held back while a replay catches up: a replay this far behind is closed as too slow. */
const HELD_MAX = 100_000;

/**
 * `/ws`: a dispatch console. Orders are answered only after commit; `subscribe` replays from the
 * events table and then streams live, with no gap and no duplicate at the seam.
 */
export function consoleSocket(lifeline: Lifeline<NodeCore>, tokenSockets?: TokenSockets) {
  return (ws: WebSocket, p: Principal) => {
    let subscription: Subscription | null = null;
    let generation = 0;
    const stopStream = () => {
      generation++;
      subscription?.unsubscribe();
    };
    /**
     * Every frame, whatever made it (live events, a replay's pages, answers, errors), waits on the
     * one check: a client that does not read is closed before the router holds more than
     * TOO_SLOW bytes for it (subscribing again and again without reading once grew memory by a
     * gigabyte). `done` is called once the socket took the frame, or at once if it was not sent.
     */
    const send = (frame: unknown, done?: () => void) => {
      if (ws.readyState !== ws.OPEN) return done?.();
      // Past its own limit, or past its token's budget over all its sockets (a token may open many).
      if (ws.bufferedAmount > TOO_SLOW || (tokenSockets && !tokenSockets.mayBuffer(p.id, ws))) {
        stopStream();
        ws.close(1008, 'too slow: reconnect with subscribe since');
        // The close frame waits behind what the client does not read: the socket and its buffer
        // go a second later rather than after ws's 30 s (many such sockets would hold gigabytes).
        setTimeout(() => ws.terminate(), 1_000).unref();
        return done?.();
      }
      ws.send(JSON.stringify(frame), done && (() => done()));
    };
    const sendAndWait = (frame: unknown) => new Promise<void>((resolve) => send(frame, resolve));
    const error = (code: string, message: string, issues?: unknown) => {
      lifeline.metrics.rejected('ws', code);
      send({ type: 'error', error: { code, message, ...(issues ? { issues } : {}) } });
    };
    const rejected = (clientRef: string, e: { code: string; message: string; issues?: unknown }) => {
      lifeline.metrics.rejected('ws', e.code);
      send({ type: 'order.rejected', clientRef, error: e });
    };
    const guard = guardSocket(ws, p, lifeline.auth, stopStream);

    const visible = (e: BusEvent) => eventVisibleTo(p, lifeline.core.areas, e.frame.type, e.areaPath);

    async function subscribe(since: number | undefined): Promise<void> {
      const mine = ++generation;
      subscription?.unsubscribe();
      let live = false;
      let last = since ?? Number.MAX_SAFE_INTEGER;
      const buffered: BusEvent[] = [];
      subscription = lifeline.core.events$.subscribe((e) => {
        if (!visible(e)) return;
        // What the replay already sent (or what lies before `since`) is not sent again: a
        // follower's stream may trail the table the replay read.
        if (live) {
          if (since === undefined || e.frame.seq > last) send(e.frame);
        }
        else if (buffered.length < HELD_MAX) buffered.push(e);
        else {
          stopStream();
          ws.close(1008, 'too slow: reconnect with subscribe since');
        }
      });
      if (since !== undefined) {
        for (;;) {
          const page = await lifeline.store.read.events.since(last, REPLAY_PAGE);
          if (mine !== generation) return;
          const frames = page.filter((e) => eventVisibleTo(p, lifeline.core.areas, e.type, e.areaPath)).map((e) => ({ ...e.payload, seq: e.seq }));
          frames.slice(0, -1).forEach((f) => send(f));
          // The page's last frame is written once the socket took the rest: wait for it when the
          // client reads slower than the replay produces, instead of polling a timer.
          const written = frames.length ? sendAndWait(frames[frames.length - 1]) : Promise.resolve();
          if (page.length) last = page[page.length - 1].seq;
          if (page.length < REPLAY_PAGE) break;
          if (ws.bufferedAmount > HIGH_WATER) await written;
          // Every page gives the event loop a turn: a replay that sends little (a drill or county
          // token reads pages of other areas' receipts) must not hold the router to the table's end.
          else await yieldTurn();
          if (mine !== generation || ws.readyState !== ws.OPEN) return;
        }
      }
      if (mine !== generation) return;
      for (const e of buffered) if (since === undefined || e.frame.seq > last) send(e.frame);
      live = true;
    }

    async function onFrame(data: unknown, isBinary: boolean): Promise<unknown> {
      if (!guard.admit()) return;
      const r = readJson(data, isBinary);
      if (!r.ok) return error('bad_frame', r.message);
      const parsed = consoleFrame.safeParse(r.value);
      if (!parsed.success) {
        const issues = describeIssues(parsed.error);
        const clientRef = (r.value as { clientRef?: unknown })?.clientRef;
        if ((r.value as { type?: unknown })?.type === 'order.send' && typeof clientRef === 'string')
          return rejected(clientRef, { code: 'invalid', message: summarizeIssues(issues), issues });
        return error('bad_frame', summarizeIssues(issues), issues);
      }
      const frame = parsed.data;
      try {
        switch (frame.type) {
          case 'order.send': {
            if (!['console', 'admin'].includes(p.role)) return error('forbidden', `a ${p.role} token may not send orders`);
            const a = await lifeline.core.orders.accept(p, frame.clientRef, frame.order);
            return send({ type: 'order.accepted', clientRef: frame.clientRef, orderId: a.orderId, ref: a.ref, deliveries: a.deliveries, seq: a.seq });
          }
          case 'subscribe':
            return await subscribe(frame.since);
          case 'order.cancel': {
            if (!['console', 'admin'].includes(p.role)) return error('forbidden', `a ${p.role} token may not cancel orders`);
            const n = await lifeline.core.orders.cancel(p, frame.orderId);
            return send({ type: 'order.cancelled', orderId: frame.orderId, deliveries: n });
          }
        }
      } catch (e) {
        if (e instanceof RequestError) {
          if (frame.type === 'order.send') return rejected(frame.clientRef, { code: e.code, message: e.message, issues: e.issues });
          return error(e.code, e.message);
        }
        lifeline.log.error('console frame failed', { tokenId: p.id, err: (e as Error).stack ?? String(e) });
        if (frame.type === 'order.send') return rejected(frame.clientRef, { code: 'internal', message: 'the order could not be stored; nothing was accepted' });
        return error('internal', 'internal error');
      }
    }
    ws.on('message', (data, isBinary) => void onFrame(data, isBinary).catch((e) => lifeline.log.error('console frame failed', { tokenId: p.id, err: (e as Error).stack ?? String(e) })));
    ws.on('close', stopStream);
  };
}
