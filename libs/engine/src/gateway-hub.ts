import type { Clock } from '@lifeline/clock';
import { describeIssues, gatewayFrame, summarizeIssues, type GatewayFrame } from '@lifeline/contracts';
import type { GatewayAuth, GatewayConnection, GatewayEndpoint, GatewayLink } from '@lifeline/channels';
import { maskAddress, type AreaTree, type Log } from '@lifeline/domain';
import type { GatewayInbound, GatewaySource } from './gateway-inbound';
import { gatewayKey, type GatewaySessions, type OnlineGateway } from './gateway-sessions';
import type { Tasks } from './tasks';

interface Session {
  /** The link's own key, until a hello names the gateway. */
  link: string;
  gatewayId: string | null;
  channel: string;
  auth: GatewayAuth;
  conn: GatewayConnection;
  /** Once it said hello: its entry among the gateways online, and who it is to the inbound use cases. */
  online: OnlineGateway | null;
  source: GatewaySource | null;
  /** The frame being handled: a gateway's frames are handled one after another, in order. */
  turn: Promise<void>;
  /** Frames that did nothing (malformed, unknown attempts, duplicates, unmatched replies) this minute. */
  junk: MinuteCount;
  /** Health and coverage frames this minute: each may publish channel changes and move deliveries. */
  reports: MinuteCount;
}

/** Counts what happened in the current minute-long window. */
class MinuteCount {
  private n = 0;
  constructor(private since: number) {}

  add(now: number): number {
    if (now - this.since >= WINDOW_MS) {
      this.n = 0;
      this.since = now;
    }
    return ++this.n;
  }

  /** Nothing counted in the current minute's window any more. */
  stale(now: number): boolean {
    return now - this.since >= WINDOW_MS;
  }
}

/** A gateway sending more useless frames than this in a minute is flooding: it is disconnected. */
export const JUNK_LIMIT = 1_000;
const WINDOW_MS = 60_000;
/**
 * Health and coverage frames a gateway may send in a minute: real ones report on a beat of tens of
 * seconds; past this they are refused (and count as useless frames) rather than let one gateway
 * make the router publish a channel change many times a second.
 */
export const REPORT_LIMIT = 120;
/**
 * Hellos a gateway id may say in a minute, over all its links: each publishes its coverage anew,
 * and a link says one, so a token reconnecting in a loop could otherwise flood the stream. Real
 * gateways reconnect with back-off: a few a minute at the most.
 */
export const HELLO_LIMIT = 30;
/** Only the first few refusals of a minute are logged: a flood must not flood the log too. */
const JUNK_LOGGED = 10;

/**
 * The router's side of the gateway-link port: one session per connected gateway, whatever the
 * transport. Frames are parsed with the contract's schemas and checked against what the gateway's
 * token allows; bad ones get an error frame and change nothing; the rest go to the inbound use
 * cases. Gateways that said hello join the sessions the dispatcher sends through.
 */
export class GatewayHub implements GatewayLink {
  private readonly links = new Map<string, Session>();
  private nextLink = 1;
  /**
   * Gateways whose link dropped, by key: the token that held each and until when its grace keeps
   * what it was handed. Another token may not take the id meanwhile: it would take those sends
   * (for areas beyond its own token's, perhaps) and lock the real gateway out when it returns.
   */
  private readonly held = new Map<string, { principal: string; scoped: boolean; until: number }>();
  /** Hellos of each gateway id this minute, whatever link said them. */
  private readonly hellos = new Map<string, MinuteCount>();
  private hellosPrunedAt = -Infinity;

  constructor(
    private readonly tree: AreaTree,
    private readonly clock: Clock,
    private readonly online: GatewaySessions,
    private readonly inbound: GatewayInbound,
    private readonly tasks: Tasks,
    private readonly log: Log,
  ) {}

  open(conn: GatewayConnection, auth: GatewayAuth): GatewayEndpoint {
    const session: Session = { link: `s${this.nextLink++}`, gatewayId: null, channel: auth.channel, auth, conn, online: null, source: null, turn: Promise.resolve(), junk: new MinuteCount(this.clock.now()), reports: new MinuteCount(this.clock.now()) };
    this.links.set(session.link, session);
    return {
      receive: (raw) => this.receive(session, raw),
      malformed: (message) => this.refuse(session, 'bad_frame', message),
      closed: (gone) => this.close(session, gone ?? false),
    };
  }

  connected(channel?: string): { gatewayId: string; channel: string; areas: string[]; window: number }[] {
    return this.online.connected(channel);
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
    const junk = session.junk.add(this.clock.now());
    const name = `gateway ${session.gatewayId ?? session.link} (${session.channel})`;
    if (junk <= JUNK_LOGGED) this.log.warn(`${name}: ${why}`);
    if (junk === JUNK_LIMIT) {
      this.log.warn(`${name}: ${JUNK_LIMIT} useless frames in a minute: disconnected`);
      session.conn.send({ type: 'error', error: { code: 'flooding', message: `more than ${JUNK_LIMIT} frames a minute that change nothing; reconnect with back-off` } });
      session.conn.close('flooding');
      this.close(session, true);
    }
  }

  private receive(session: Session, raw: unknown): Promise<void> {
    const turn = session.turn.then(() => this.handle(session, raw));
    this.tasks.track(turn); // a failure is logged, and the frames after it still get their turn
    session.turn = turn.catch(() => {});
    return session.turn;
  }

  private async handle(session: Session, raw: unknown): Promise<void> {
    if (!this.links.has(session.link)) return; // cut off: what was still on the wire is dropped
    const parsed = gatewayFrame.safeParse(raw);
    if (!parsed.success) return this.refuse(session, 'bad_frame', summarizeIssues(describeIssues(parsed.error)));
    const frame = parsed.data;
    if (frame.type === 'hello') return this.hello(session, frame);
    if (!session.gatewayId || !session.source) return this.refuse(session, 'no_hello', 'expected a hello frame first');
    switch (frame.type) {
      case 'accepted':
      case 'delivered':
      case 'failed':
        if (!(await this.inbound.receipt(session.source, frame))) this.useless(session, `${frame.type} for ${frame.attemptId} ignored: unknown attempt or nothing new`);
        return;
      case 'reply':
        if (!(await this.inbound.reply(session.source, frame.from, frame.text)))
          // Logs show who and how long, never the whole number or the text (README, security).
          this.useless(session, `reply from ${maskAddress(frame.from)} (${frame.text.length} characters) ignored: unknown terminal or no open order`);
        return;
      case 'health':
        if (this.reportable(session) && this.claimable(session, frame.areas)) this.inbound.reported(session.channel, session.gatewayId, frame.state, frame.areas);
        return;
      case 'coverage':
        if (this.reportable(session) && this.claimable(session, frame.areas)) this.inbound.covered(session.channel, session.gatewayId, frame.areas, Date.parse(frame.until));
        return;
    }
  }

  /** Within the minute's share of health and coverage frames; past it the frame is refused. */
  private reportable(session: Session): boolean {
    if (session.reports.add(this.clock.now()) <= REPORT_LIMIT) return true;
    this.refuse(session, 'too_many_reports', `more than ${REPORT_LIMIT} health and coverage frames a minute`);
    return false;
  }

  /**
   * Areas a gateway names must be in the directory and within its token's areas; otherwise the
   * frame is refused whole and changes nothing.
   */
  private claimable(session: Session, areas: readonly string[]): boolean {
    // Scope first: a scoped token learns nothing of the directory beyond its areas.
    const scope = session.auth.areas;
    const outside = scope ? areas.filter((a) => !this.tree.has(a) || !scope.some((s) => this.tree.isWithin(a, s))) : [];
    if (outside.length) {
      this.refuse(session, 'out_of_scope', `areas outside this token's areas: ${outside.join(', ')}`);
      return false;
    }
    const unknown = areas.filter((a) => !this.tree.has(a));
    if (unknown.length) this.refuse(session, 'unknown_area', `unknown areas: ${unknown.join(', ')}`);
    return unknown.length === 0;
  }

  private hello(session: Session, frame: Extract<GatewayFrame, { type: 'hello' }>): void {
    const { auth } = session;
    if (frame.channel !== session.channel)
      return this.refuse(session, 'wrong_channel', `this link is bound to channel ${session.channel}, not ${frame.channel}`);
    if (auth.gatewayIds && !auth.gatewayIds.includes(frame.gatewayId))
      return this.refuse(session, 'forbidden_gateway_id', `this token may not speak as gateway ${frame.gatewayId}`);
    // One hello a link: each one publishes the gateway's coverage anew, so hellos said again and
    // again would flood the stream with channel events past the report limit.
    if (session.gatewayId !== null)
      return this.refuse(session, 'hello_again', `this link already said hello as gateway ${session.gatewayId}; open another link to say it again`);
    if (!this.claimable(session, frame.areas)) return;
    const key = gatewayKey(session.channel, frame.gatewayId);
    if (this.helloCount(key) > HELLO_LIMIT)
      return this.refuse(session, 'too_many_reports', `more than ${HELLO_LIMIT} hellos a minute for gateway ${frame.gatewayId}: reconnect with back-off`);
    // A token for every area that names this id among its own outranks one given areas: a
    // county's gateway token, even one naming the city gateway's id, cannot keep the city's
    // gateway out. (Naming the id, not just any: a token for any id of every area is no claim.)
    const outranks = (holder: { principal: string; scoped: boolean }) =>
      holder.principal === auth.principal || (holder.scoped && auth.areas === null && auth.gatewayIds?.includes(frame.gatewayId) === true);
    const held = this.held.get(key);
    if (held && held.until > this.clock.now() && !outranks(held))
      return this.refuse(session, 'gateway_id_in_use', `gateway ${frame.gatewayId} of ${session.channel} dropped its link a moment ago and is held for it (another token's) until its grace ends`);
    this.held.delete(key);
    const other = this.online.get(key);
    if (other && other !== session.online) {
      // A reconnect with the same token replaces its stale link; another token may not, but one
      // for every area naming the id replaces a scoped token's.
      const stale = [...this.links.values()].find((l) => l.online === other);
      if (!outranks({ principal: other.principal, scoped: stale?.auth.areas !== null }))
        return this.refuse(session, 'gateway_id_in_use', `gateway ${frame.gatewayId} of ${session.channel} is online on another token's link`);
      if (stale) this.replaceLink(stale, other.principal === auth.principal);
    } else if (held && held.until > this.clock.now() && held.principal !== auth.principal) {
      // Another gateway (a token for every area naming the id) takes an id held in grace: what the old link
      // held was never handed to this one, and goes back to the channel's queue now.
      this.inbound.returned(session.channel, frame.gatewayId);
      this.inbound.offline(session.channel, frame.gatewayId, true);
    }
    session.gatewayId = frame.gatewayId;
    session.source = { channel: session.channel, key, areas: auth.areas };
    session.online = { gatewayId: frame.gatewayId, channel: session.channel, areas: frame.areas, window: frame.window, conn: session.conn, principal: auth.principal };
    this.online.add(session.online);
    this.inbound.returned(session.channel, frame.gatewayId);
    this.inbound.covered(session.channel, frame.gatewayId, frame.areas, null);
  }

  private helloCount(key: string): number {
    const now = this.clock.now();
    // Ids quiet for a minute are forgotten, once a minute: a flood of new ids never scans per hello.
    if (now - this.hellosPrunedAt >= WINDOW_MS) {
      this.hellosPrunedAt = now;
      for (const [k, c] of this.hellos) if (c.stale(now)) this.hellos.delete(k);
    }
    let count = this.hellos.get(key);
    if (!count) this.hellos.set(key, (count = new MinuteCount(now)));
    return count.add(now);
  }

  /**
   * A new link takes the id of a link not yet seen to drop, which is closed. The same token's
   * gateway reconnected: what the old link was handed stays with it (no second transmission) and
   * no outage is published. Another gateway (a token for every area over a scoped token's): the
   * old one is gone, and what it held goes back to the queue (the new one never had it).
   */
  private replaceLink(stale: Session, sameGateway: boolean): void {
    const online = stale.online!;
    this.links.delete(stale.link);
    this.online.remove(gatewayKey(stale.channel, online.gatewayId), online); // nothing more is sent on it
    stale.conn.close(sameGateway ? 'replaced by a new link of the same gateway' : 'replaced by a gateway of a token for every area');
    if (sameGateway) this.inbound.replaced(stale.channel, online.gatewayId);
    else this.inbound.offline(stale.channel, online.gatewayId, true);
  }

  /** A link ended: dropped (maybe a blip), or cut by the router (`gone`: no grace). */
  private close(session: Session, gone: boolean): void {
    if (!this.links.delete(session.link)) return;
    const online = session.online;
    if (!online) return;
    const key = gatewayKey(session.channel, online.gatewayId);
    if (!this.online.remove(key, online)) return;
    if (!gone) this.held.set(key, { principal: online.principal, scoped: session.auth.areas !== null, until: this.clock.now() + this.inbound.linkGraceMs });
    for (const [k, h] of this.held) if (h.until <= this.clock.now()) this.held.delete(k); // the map stays the size of the gateways in grace
    this.inbound.offline(session.channel, online.gatewayId, gone);
  }
}
