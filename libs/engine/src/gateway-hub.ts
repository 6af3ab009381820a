import type { Clock } from '@lifeline/clock';
import { describeIssues, gatewayFrame, summarizeIssues, type GatewayFrame } from '@lifeline/contracts';
import type { GatewayAuth, GatewayConnection, GatewayEndpoint, GatewayLink } from '@lifeline/channels';
import { maskAddress, type AreaTree, type Reach } from '@lifeline/domain';
import type { SendItem } from './delivery-engine';
import type { GatewayPool } from './dispatcher';

interface Session {
  /** The link's own key, until a hello names the gateway. */
  link: string;
  gatewayId: string | null;
  channel: string;
  auth: GatewayAuth;
  areas: string[];
  window: number;
  inFlight: number;
  conn: GatewayConnection;
  /** Frames that did nothing (malformed, unknown attempts, duplicates, unmatched replies) this minute. */
  junk: number;
  junkSince: number;
}

/** A gateway sending more useless frames than this in a minute is flooding: it is disconnected. */
export const JUNK_LIMIT = 1_000;
const JUNK_WINDOW_MS = 60_000;
/** Only the first few refusals of a minute are logged: a flood must not flood the log too. */
const JUNK_LOGGED = 10;

/**
 * A gateway is known by its channel and its id together: a gateway of one channel can never stand
 * in for another channel's gateway of the same name. The dispatcher holds these keys.
 */
export function gatewayKey(channel: string, gatewayId: string): string {
  return `${channel}/${gatewayId}`;
}

/** What the router does with what gateways say; the hub only parses, checks and routes. */
export interface GatewayHandlers {
  online(channel: string, gatewayId: string, areas: string[]): void;
  offline(channel: string, gatewayId: string): void;
  /** False when the receipt changed nothing: an unknown attempt, a duplicate. */
  receipt(channel: string, frame: Extract<GatewayFrame, { type: 'accepted' | 'delivered' | 'failed' }>): boolean;
  /** False when the reply matched nobody and no open order. */
  reply(channel: string, from: string, text: string): boolean;
  health(channel: string, gatewayId: string, frame: Extract<GatewayFrame, { type: 'health' }>): void;
  coverage(channel: string, gatewayId: string, areas: string[], until: number): void;
  log(message: string): void;
}

/**
 * The router's side of the gateway-link port: one session per connected gateway, whatever the
 * transport. Frames are parsed with the contract's schemas; bad ones get an error frame and change
 * nothing. It also is the dispatcher's pool: windows and coverage decide where a send may go.
 */
export class GatewayHub implements GatewayLink, GatewayPool {
  private readonly sessions = new Map<string, Session>();
  /** Sessions that said hello, by `gatewayKey(channel, gatewayId)`. */
  private readonly online = new Map<string, Session>();
  private nextLink = 1;

  constructor(
    private readonly tree: AreaTree,
    private readonly reach: Reach,
    private readonly clock: Clock,
    private readonly handlers: GatewayHandlers,
  ) {}

  open(conn: GatewayConnection, auth: GatewayAuth): GatewayEndpoint {
    const session: Session = { link: `s${this.nextLink++}`, gatewayId: null, channel: auth.channel, auth, areas: [], window: 0, inFlight: 0, conn, junk: 0, junkSince: this.clock.now() };
    this.sessions.set(session.link, session);
    return {
      receive: (raw) => this.receive(session, raw),
      malformed: (message) => this.refuse(session, 'bad_frame', message),
      closed: () => this.close(session),
    };
  }

  connected(channel?: string): { gatewayId: string; channel: string; areas: string[]; window: number; inFlight: number }[] {
    return [...this.online.values()]
      .filter((s) => !channel || s.channel === channel)
      .map((s) => ({ gatewayId: s.gatewayId!, channel: s.channel, areas: s.areas, window: s.window, inFlight: s.inFlight }));
  }

  private refuse(session: Session, code: string, message: string): void {
    session.conn.send({ type: 'error', error: { code, message } });
    this.useless(session, `${code}: ${message}`);
  }

  /**
   * Counts a frame that did nothing, logging only the first few of a minute; past the limit the
   * gateway is cut off (it reconnects with back-off; its attempts in flight time out and move on).
   */
  private useless(session: Session, why: string): void {
    const now = this.clock.now();
    if (now - session.junkSince >= JUNK_WINDOW_MS) {
      session.junk = 0;
      session.junkSince = now;
    }
    const name = `gateway ${session.gatewayId ?? session.link} (${session.channel})`;
    if (++session.junk <= JUNK_LOGGED) this.handlers.log(`${name}: ${why}`);
    if (session.junk === JUNK_LIMIT) {
      this.handlers.log(`${name}: ${JUNK_LIMIT} useless frames in a minute: disconnected`);
      session.conn.send({ type: 'error', error: { code: 'flooding', message: `more than ${JUNK_LIMIT} frames a minute that change nothing; reconnect with back-off` } });
      session.conn.close('flooding');
      this.close(session);
    }
  }

  private receive(session: Session, raw: unknown): void {
    if (!this.sessions.has(session.link)) return; // cut off: what was still on the wire is dropped
    const parsed = gatewayFrame.safeParse(raw);
    if (!parsed.success) return this.refuse(session, 'bad_frame', summarizeIssues(describeIssues(parsed.error)));
    const frame = parsed.data;
    if (frame.type === 'hello') return this.hello(session, frame);
    if (!session.gatewayId) return this.refuse(session, 'no_hello', 'expected a hello frame first');
    switch (frame.type) {
      case 'accepted':
      case 'delivered':
      case 'failed':
        if (!this.handlers.receipt(session.channel, frame)) this.useless(session, `${frame.type} for ${frame.attemptId} ignored: unknown attempt or nothing new`);
        return;
      case 'reply':
        if (!this.handlers.reply(session.channel, frame.from, frame.text))
          // Logs show who and how long, never the whole number or the text (README, security).
          this.useless(session, `reply from ${maskAddress(frame.from)} (${frame.text.length} characters) ignored: unknown terminal or no open order`);
        return;
      case 'health':
        if (this.claimable(session, frame.areas)) this.handlers.health(session.channel, session.gatewayId, frame);
        return;
      case 'coverage':
        if (this.claimable(session, frame.areas)) this.handlers.coverage(session.channel, session.gatewayId, frame.areas, Date.parse(frame.until));
        return;
    }
  }

  /**
   * Areas a gateway names must be in the directory and within its token's areas; otherwise the
   * frame is refused whole and changes nothing.
   */
  private claimable(session: Session, areas: readonly string[]): boolean {
    const unknown = areas.filter((a) => !this.tree.has(a));
    if (unknown.length) {
      this.refuse(session, 'unknown_area', `unknown areas: ${unknown.join(', ')}`);
      return false;
    }
    const scope = session.auth.areas;
    const outside = scope ? areas.filter((a) => !scope.some((s) => this.tree.isWithin(a, s))) : [];
    if (outside.length) this.refuse(session, 'out_of_scope', `areas outside this token's areas: ${outside.join(', ')}`);
    return outside.length === 0;
  }

  private hello(session: Session, frame: Extract<GatewayFrame, { type: 'hello' }>): void {
    const { auth } = session;
    if (frame.channel !== session.channel)
      return this.refuse(session, 'wrong_channel', `this link is bound to channel ${session.channel}, not ${frame.channel}`);
    if (auth.gatewayIds && !auth.gatewayIds.includes(frame.gatewayId))
      return this.refuse(session, 'forbidden_gateway_id', `this token may not speak as gateway ${frame.gatewayId}`);
    if (session.gatewayId !== null && session.gatewayId !== frame.gatewayId)
      return this.refuse(session, 'hello_again', `this link is gateway ${session.gatewayId}; open another link for ${frame.gatewayId}`);
    if (!this.claimable(session, frame.areas)) return;
    const key = gatewayKey(session.channel, frame.gatewayId);
    const other = this.online.get(key);
    if (other && other !== session) {
      // A reconnect with the same token replaces its stale session; another token may not.
      if (other.auth.principal !== auth.principal)
        return this.refuse(session, 'gateway_id_in_use', `gateway ${frame.gatewayId} of ${session.channel} is online on another token's link`);
      this.close(other);
    }
    session.gatewayId = frame.gatewayId;
    session.areas = frame.areas;
    session.window = frame.window;
    this.online.set(key, session);
    this.handlers.online(session.channel, frame.gatewayId, frame.areas);
  }

  private close(session: Session): void {
    if (!this.sessions.delete(session.link)) return;
    const key = session.gatewayId === null ? null : gatewayKey(session.channel, session.gatewayId);
    if (key && this.online.get(key) === session) {
      this.online.delete(key);
      this.handlers.offline(session.channel, session.gatewayId!);
    }
  }

  pick(channel: string, area: string): string | null {
    let best: Session | null = null;
    for (const s of this.online.values()) {
      if (s.channel !== channel || s.inFlight >= s.window) continue;
      if (!this.reach.coversBy(channel, s.gatewayId!, area, this.clock.now())) continue;
      if (!best || s.inFlight / s.window < best.inFlight / best.window) best = s;
    }
    return best ? gatewayKey(channel, best.gatewayId!) : null;
  }

  send(key: string, item: SendItem): void {
    const s = this.online.get(key);
    if (!s) return;
    s.inFlight++;
    s.conn.send({
      type: 'send',
      attemptId: item.attemptId,
      orderId: item.orderId,
      ref: item.ref,
      to: item.to,
      priority: item.priority,
      text: item.text,
      ackRequired: item.ackRequired,
    });
  }

  release(key: string): void {
    const s = this.online.get(key);
    if (s && s.inFlight > 0) s.inFlight--;
  }
}
