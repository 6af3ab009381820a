import { GATEWAY_BUS, LINK_ALIVE_MS, LINK_SILENT_MS, linkId, linkOpen, type LinkAnswer } from '@lifeline/contracts';
import type { Msg, NatsConnection, Subscription } from 'nats';

/** The router's side of one link: what it says to the gateway, and hanging up. */
export interface LinkPeer {
  send(text: string): void;
  close(reason: string): void;
}

/** What the router does with what a link's gateway says (a gateway session, or the kit's record). */
export interface LinkEndpoint {
  receive(frame: unknown): void;
  malformed(message: string): void;
  /** The link is gone: `gone` when it may not come back (its token revoked), else a dropped link. */
  closed(gone?: boolean): void;
}

/** Whether a token may open a link, and what serves it if so. */
export type LinkAuthorizer = (token: string) => Promise<
  { ok: true; open(peer: LinkPeer): LinkEndpoint; stillValid(): boolean } | { ok: false; code: string; message: string }
>;

interface OpenLink {
  endpoint: LinkEndpoint;
  stillValid: () => boolean;
  heard: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const NO_LINK: LinkAnswer = { ok: false, error: { code: 'unknown_link', message: 'no such link here (the router restarted, or dropped it): open a new one' } };
const OK: LinkAnswer = { ok: true };

/**
 * The router's side of the gateway link over NATS (the router, or the conformance kit playing
 * it): opens links for tokens the authorizer accepts, hands each frame to the link's endpoint
 * and answers once it did, publishes the router's frames to the link, and drops links that went
 * silent. Everything that arrives is read as hostile: a message it cannot read is refused, never
 * thrown.
 */
export class NatsLinkServer {
  private readonly links = new Map<string, OpenLink>();
  private readonly subscriptions: Subscription[] = [];
  private readonly sweep: NodeJS.Timeout;

  constructor(
    private readonly nc: NatsConnection,
    private readonly authorize: LinkAuthorizer,
    private readonly log: (message: string) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    const on = (subject: string, handle: (m: Msg, link: string) => void | Promise<void>) =>
      this.subscriptions.push(nc.subscribe(subject, { callback: (_e, m) => void Promise.resolve(handle(m, m.subject.split('.')[2] ?? '')).catch((e) => this.log(`gateway link: ${(e as Error).message}`)) }));
    on(GATEWAY_BUS.open, (m) => this.open(m));
    on(GATEWAY_BUS.from('*'), (m, link) => this.from(m, link));
    on(GATEWAY_BUS.alive('*'), (m, link) => this.answer(m, this.heard(link) ? OK : NO_LINK));
    on(GATEWAY_BUS.bye('*'), (_m, link) => this.drop(link, false, null));
    this.sweep = setInterval(() => {
      for (const [link, l] of this.links) if (this.now() - l.heard > LINK_SILENT_MS) this.drop(link, false, 'silent');
    }, LINK_ALIVE_MS);
  }

  get size(): number {
    return this.links.size;
  }

  private async open(m: Msg): Promise<void> {
    const r = linkOpen.safeParse(readJson(m.data));
    if (!r.success) return this.answer(m, { ok: false, error: { code: 'invalid', message: 'expected {"token","link"}' } });
    const { token, link } = r.data;
    if (this.links.has(link)) return this.answer(m, { ok: false, error: { code: 'conflict', message: 'this link id is in use: choose another' } });
    const a = await this.authorize(token);
    if (!a.ok) return this.answer(m, { ok: false, error: { code: a.code, message: a.message } });
    if (this.links.has(link)) return this.answer(m, { ok: false, error: { code: 'conflict', message: 'this link id is in use: choose another' } });
    const peer: LinkPeer = {
      send: (text) => this.links.has(link) && this.nc.publish(GATEWAY_BUS.to(link), encoder.encode(text)),
      close: (reason) => this.drop(link, false, reason),
    };
    this.links.set(link, { endpoint: a.open(peer), stillValid: a.stillValid, heard: this.now() });
    this.answer(m, OK);
  }

  private from(m: Msg, link: string): void {
    const l = this.heard(link);
    if (!l) return this.answer(m, NO_LINK);
    let text: string;
    try {
      text = decoder.decode(m.data);
    } catch {
      l.endpoint.malformed('expected UTF-8 JSON');
      return this.answer(m, OK);
    }
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch (e) {
      l.endpoint.malformed(`expected JSON: ${(e as Error).message}`);
      return this.answer(m, OK);
    }
    l.endpoint.receive(frame);
    this.answer(m, OK);
  }

  /** The link, if it is open and its token still valid, marked as heard from now. */
  private heard(link: string): OpenLink | null {
    if (!linkId.safeParse(link).success) return null;
    const l = this.links.get(link);
    if (!l) return null;
    if (!l.stillValid()) {
      this.drop(link, true, 'token revoked');
      return null;
    }
    l.heard = this.now();
    return l;
  }

  private drop(link: string, gone: boolean, reason: string | null): void {
    const l = this.links.get(link);
    if (!l) return;
    this.links.delete(link);
    if (reason !== null) this.nc.publish(GATEWAY_BUS.closed(link), encoder.encode(JSON.stringify({ reason: reason.slice(0, 200) })));
    l.endpoint.closed(gone);
  }

  private answer(m: Msg, a: LinkAnswer): void {
    if (m.reply) m.respond(encoder.encode(JSON.stringify(a)));
  }

  /** Drops every link (as closing sockets would) and stops listening. */
  close(): void {
    clearInterval(this.sweep);
    for (const s of this.subscriptions) s.unsubscribe();
    for (const link of [...this.links.keys()]) this.drop(link, false, 'router stopping');
  }
}

function readJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(data));
  } catch {
    return null;
  }
}
