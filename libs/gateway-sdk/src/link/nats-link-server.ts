import { randomBytes, timingSafeEqual } from 'node:crypto';
import { GATEWAY_BUS, LINK_ALIVE_MS, LINK_HEADERS, LINK_SILENT_MS, linkId, linkOpen, notJson, type LinkAnswer } from '@lifeline/contracts';
import type { Msg, NatsConnection, Subscription } from 'nats';
import { jsonOf, textOf } from './json-bytes';

/** The router's side of one link: what it says to the gateway, and hanging up. */
export interface LinkPeer {
  send(text: string): void;
  close(reason: string): void;
}

/** What the router does with what a link's gateway says (a gateway session, or the kit's record). */
export interface LinkEndpoint {
  /** Resolves once the frame was handled: only then is the gateway told it was taken. */
  receive(frame: unknown): void | Promise<void>;
  malformed(message: string): void;
  /** The link is gone: `gone` when it may not come back (its token revoked), else a dropped link. */
  closed(gone?: boolean): void;
}

/** Whether a token may open a link (`key`: whose links count together against the limit), and what serves it. */
export type LinkAuthorizer = (token: string) => Promise<
  { ok: true; key: string; open(peer: LinkPeer): LinkEndpoint; stillValid(): boolean } | { ok: false; code: string; message: string }
>;

interface OpenLink {
  key: string;
  secret: Buffer;
  endpoint: LinkEndpoint;
  stillValid: () => boolean;
  heard: number;
  /** The last frame number taken: a frame sent again is answered, not handled twice. */
  seq: number;
  /** Frames are handled one after another. */
  turn: Promise<void>;
  /** Frames waiting their turn: a gateway sends one at a time, so a pile is not a gateway's. */
  waiting: number;
}

/** Links one token may hold at once, and all of them: a valid token must not hold the router's memory. */
export const LINKS_PER_TOKEN = 16;
export const LINKS_MAX = 10_000;
/** Opens being authorized at once (each is a database read), and frames one link may have waiting. */
export const OPENS_AT_ONCE = 32;
export const FRAMES_WAITING = 64;

const encoder = new TextEncoder();
const NO_LINK: LinkAnswer = { ok: false, error: { code: 'unknown_link', message: 'no such link here (the router restarted, or dropped it): open a new one' } };
const OK: LinkAnswer = { ok: true };

/**
 * The router's side of the gateway link over NATS (the router, or the conformance kit playing
 * it): opens links for tokens the authorizer accepts, each with the secret its gateway chose,
 * which every later message must carry, hands each frame to the link's endpoint and answers once it was handled,
 * publishes the router's frames to the link, and drops links that went silent or whose token
 * stopped being valid. Everything that arrives is read as hostile: a message it cannot read is
 * refused, never thrown, and nothing it does runs inside the NATS client's own read loop.
 */
export class NatsLinkServer {
  private readonly links = new Map<string, OpenLink>();
  private readonly subscriptions: Subscription[] = [];
  private readonly sweep: NodeJS.Timeout;
  private stopped = false;
  private opening = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly authorize: LinkAuthorizer,
    private readonly log: (message: string) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    const on = (subject: string, handle: (m: Msg, link: string) => void | Promise<void>) =>
      this.subscriptions.push(
        nc.subscribe(subject, {
          callback: (_e, m) => void Promise.resolve().then(() => handle(m, GATEWAY_BUS.linkOf(m.subject))).catch((e) => this.log(`gateway link: ${(e as Error).message}`)),
        }),
      );
    on(GATEWAY_BUS.open, (m) => this.open(m));
    // Links of one token (`link`) and of two (`owner.link`: a gateway with a NATS user of its own).
    for (const link of ['*', '*.*']) {
      on(GATEWAY_BUS.from(link), (m, id) => this.from(m, id));
      on(GATEWAY_BUS.alive(link), (m, id) => this.answer(m, this.heard(m, id) ? OK : NO_LINK));
      on(GATEWAY_BUS.bye(link), (m, id) => {
        if (this.heard(m, id)) this.drop(id, false, null);
      });
    }
    this.sweep = setInterval(() => {
      try {
        this.revalidate();
        for (const [link, l] of this.links) if (this.now() - l.heard > LINK_SILENT_MS) this.drop(link, false, 'silent');
      } catch (e) {
        this.log(`gateway link sweep: ${(e as Error).message}`);
      }
    }, LINK_ALIVE_MS);
  }

  get size(): number {
    return this.links.size;
  }

  /** Drops at once the links whose token is no longer valid (a revocation). */
  revalidate(): void {
    for (const [link, l] of this.links) if (!l.stillValid()) this.drop(link, true, 'token revoked');
  }

  private async open(m: Msg): Promise<void> {
    const r = linkOpen.safeParse(jsonOf(m.data));
    if (!r.success) return this.answer(m, { ok: false, error: { code: 'invalid', message: 'expected {"token","link"}' } });
    const { token, link } = r.data;
    const refusal = this.refusal(link, null);
    if (refusal) return this.answer(m, refusal);
    if (this.opening >= OPENS_AT_ONCE) return this.answer(m, { ok: false, error: { code: 'busy', message: 'the router is opening as many links as it may at once: try again shortly' } });
    this.opening++;
    const a = await this.authorize(token).finally(() => this.opening--);
    if (!a.ok) return this.answer(m, { ok: false, error: { code: a.code, message: a.message } });
    const again = this.stopped ? NO_LINK : this.refusal(link, a.key);
    if (again) return this.answer(m, again);
    const peer: LinkPeer = {
      send: (text) => this.links.has(link) && this.nc.publish(GATEWAY_BUS.to(link), encoder.encode(text)),
      close: (reason) => this.drop(link, false, reason),
    };
    // The gateway's own secret (sent on `open`, which gateways' users cannot read), or, for an
    // earlier SDK that sends none, one made here and answered.
    const given = r.data.secret;
    const secret = given ? Buffer.from(given, 'base64url') : randomBytes(24);
    this.links.set(link, { key: a.key, secret, endpoint: a.open(peer), stillValid: a.stillValid, heard: this.now(), seq: 0, turn: Promise.resolve(), waiting: 0 });
    this.answer(m, given ? OK : { ok: true, secret: secret.toString('base64url') });
  }

  private refusal(link: string, key: string | null): LinkAnswer | null {
    if (this.links.has(link)) return { ok: false, error: { code: 'conflict', message: 'this link id is in use: choose another' } };
    if (this.links.size >= LINKS_MAX) return { ok: false, error: { code: 'too_many_links', message: 'the router holds as many links as it may: try again later' } };
    if (key !== null && [...this.links.values()].filter((l) => l.key === key).length >= LINKS_PER_TOKEN)
      return { ok: false, error: { code: 'too_many_links', message: `a token may hold ${LINKS_PER_TOKEN} links at once: close one` } };
    return null;
  }

  private from(m: Msg, link: string): void {
    const l = this.heard(m, link);
    if (!l) return this.answer(m, NO_LINK);
    const seq = Number(m.headers?.get(LINK_HEADERS.seq) ?? NaN);
    if (l.waiting >= FRAMES_WAITING) return this.answer(m, { ok: false, error: { code: 'busy', message: `more than ${FRAMES_WAITING} frames waiting on this link: send one at a time, each after its answer` } });
    l.waiting++;
    l.turn = l.turn.then(async () => {
      // Sent again (its answer was lost): taken already.
      if (Number.isSafeInteger(seq) && seq <= l.seq) return this.answer(m, OK);
      if (!this.links.has(link)) return this.answer(m, NO_LINK);
      await this.take(l, m.data);
      if (Number.isSafeInteger(seq)) l.seq = seq;
      this.answer(m, OK);
    }).catch((e) => this.log(`gateway link ${link}: ${(e as Error).message}`)).finally(() => l.waiting--);
  }

  private async take(l: OpenLink, data: Uint8Array): Promise<void> {
    const text = textOf(data);
    if (text === null) return l.endpoint.malformed('expected UTF-8 JSON');
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch (e) {
      return l.endpoint.malformed(notJson(e));
    }
    await l.endpoint.receive(frame);
  }

  /** The link, if it is open, the message carries its secret and its token is still valid: marked as heard from now. */
  private heard(m: Msg, link: string): OpenLink | null {
    if (!linkId.safeParse(link).success) return null;
    const l = this.links.get(link);
    if (!l) return null;
    const given = Buffer.from(m.headers?.get(LINK_HEADERS.secret) ?? '', 'base64url');
    if (given.length !== l.secret.length || !timingSafeEqual(given, l.secret)) return null;
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

  /**
   * Answers a request, to an inbox only (the gateways', or `_INBOX.` for a gateway of an earlier
   * SDK): a reply subject of a sender's choosing must not make the router publish on a link's
   * subjects, where a gateway would read it as the router's frame.
   */
  private answer(m: Msg, a: LinkAnswer): void {
    if (m.reply?.startsWith(`${GATEWAY_BUS.inbox}.`) || m.reply?.startsWith('_INBOX.')) m.respond(encoder.encode(JSON.stringify(a)));
  }

  /** Drops every link (as closing sockets would) and stops listening; drain the connection after it. */
  close(): void {
    this.stopped = true;
    clearInterval(this.sweep);
    for (const s of this.subscriptions) s.unsubscribe();
    for (const link of [...this.links.keys()]) this.drop(link, false, 'router stopping');
  }
}
