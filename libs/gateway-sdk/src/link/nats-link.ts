import { randomBytes } from 'node:crypto';
import { connect, headers as natsHeaders, type MsgHdrs, type NatsConnection } from 'nats';
import { GATEWAY_BUS, LINK_ALIVE_MS, LINK_HEADERS, linkAnswer, linkClosed, type LinkAnswer } from '@lifeline/contracts';
import { jsonOf, textOf } from './json-bytes';
import type { Link, LinkEvents } from './link';
import { natsServers } from './nats-servers';

/** How long a request to the router may go unanswered, and how often a frame is asked again on the same link. */
const ANSWER_MS = 5_000;
const TRIES = 3;
/** How long a gateway that stops waits for the router to take what it still holds. */
const CLOSE_DRAIN_MS = 2_000;
const encoder = new TextEncoder();

/** An answer of the router, or a refusal the link fails with. */
function answerOf(data: Uint8Array): LinkAnswer {
  const r = linkAnswer.safeParse(jsonOf(data));
  return r.success ? r.data : { ok: false, error: { code: 'bad_answer', message: 'an answer that is not one' } };
}

/**
 * The gateway link over NATS (`nats://host:port`, several comma-separated; contract section 5):
 * a link of its own opened with the token and the link's secret (the gateway's own), which goes
 * with every later message; frames to
 * the router as numbered requests taken one at a time and in order, a frame not answered asked
 * again on the same link (the router takes a number once); frames from the router on the link's
 * subject; a beat every `LINK_ALIVE_MS`. A link that fails (NATS gone, the router restarted or
 * silent) ends, and what the router did not take goes to the client for the next link, except a
 * reply whose fate is unknown: said twice, a bare "1" could acknowledge a second order, while a
 * reply lost is asked for again by the router's escalation.
 */
export function natsLink(url: string, token: string, events: LinkEvents, owner?: string): Link {
  // With an owner (a NATS user of the gateway's own), the link's subjects and the answers' inbox
  // carry it, so that the user's permissions can reach this gateway's links and no other's.
  const link = owner ? `${owner}.${randomBytes(16).toString('base64url')}` : randomBytes(16).toString('base64url');
  const queue: string[] = [];
  let nc: NatsConnection | null = null;
  // The link's secret is the gateway's own, sent once on `open` (a subject no gateway's user may
  // read): never in an answer, which other gateways' users could read in the gateways' inbox.
  let secret = randomBytes(24).toString('base64url');
  let seq = 0;
  let open = false;
  let ended = false;
  let closing = false;
  let sending: Promise<void> | null = null;
  /** The head of the queue was sent at least once: the router may have taken it. */
  let headSent = false;
  let beat: NodeJS.Timeout | null = null;

  const hdrs = (n?: number): MsgHdrs => {
    const h = natsHeaders();
    h.set(LINK_HEADERS.secret, secret);
    if (n !== undefined) h.set(LINK_HEADERS.seq, String(n));
    return h;
  };
  const end = (why: string | null) => {
    if (ended) return;
    ended = true;
    open = false;
    if (beat) clearInterval(beat);
    void nc?.close().catch(() => undefined);
    if (why === null) return;
    events.log(why);
    const unsent = queue.splice(0);
    if (headSent && unsent.length && isReply(unsent[0])) {
      events.log('a reply the router may or may not have taken is not said again (a repeat could acknowledge another order)');
      unsent.shift();
    }
    events.closed(unsent);
  };
  const ask = async (subject: string, text: string, h?: MsgHdrs): Promise<LinkAnswer> => {
    try {
      return answerOf((await nc!.request(subject, encoder.encode(text), { timeout: ANSWER_MS, headers: h })).data);
    } catch (e) {
      return { ok: false, error: { code: 'no_answer', message: (e as Error).message } };
    }
  };
  const pump = (): Promise<void> => {
    sending ??= (async () => {
      while (queue.length && open) {
        const n = seq + 1;
        let a: LinkAnswer = { ok: false, error: { code: 'no_answer', message: 'not sent' } };
        for (let i = 0; i < TRIES && open; i++) {
          headSent = true;
          a = await ask(GATEWAY_BUS.from(link), queue[0], hdrs(n));
          if (a.ok || a.error.code !== 'no_answer') break;
        }
        if (!open) return;
        if (!a.ok) return end(`link lost: ${a.error.code}: ${a.error.message}`);
        seq = n;
        queue.shift();
        headSent = false;
      }
    })().finally(() => (sending = null));
    return sending;
  };

  void (async () => {
    try {
      nc = await connect({ ...natsServers(url), reconnect: false, name: `lifeline-gateway:${link}`, inboxPrefix: owner ? GATEWAY_BUS.inboxOf(owner) : GATEWAY_BUS.inbox });
      if (ended) return void nc.close();
      void nc.closed().then(() => end('link lost: the connection to NATS closed'));
      nc.subscribe(GATEWAY_BUS.to(link), { callback: (_e, m) => guard(() => open && events.frame(textOf(m.data) ?? '')) });
      nc.subscribe(GATEWAY_BUS.closed(link), {
        callback: (_e, m) =>
          guard(() => {
            const r = linkClosed.safeParse(jsonOf(m.data));
            end(`router closed the link: ${r.success ? r.data.reason : 'no reason'}`);
          }),
      });
      const a = await ask(GATEWAY_BUS.open, JSON.stringify({ token, link, secret }));
      if (ended) return;
      if (!a.ok) return end(`router refused the link: ${a.error.code}: ${a.error.message}`);
      if (a.secret) secret = a.secret; // a router that makes the secret itself (an earlier way of this version's)
      open = true;
      beat = setInterval(() => {
        void ask(GATEWAY_BUS.alive(link), '{}', hdrs()).then((b) => !b.ok && end(`link lost: ${b.error.code}: ${b.error.message}`));
      }, LINK_ALIVE_MS);
      events.opened();
      void pump();
    } catch (e) {
      end(`link error: ${(e as Error).message}`);
    }
  })();

  return {
    send: (text) => {
      if (ended || closing) return events.log('a frame written to a closed link is not sent');
      queue.push(text);
      void pump();
    },
    drop: () => end('link dropped'),
    close: async () => {
      closing = true;
      const conn = nc;
      if (conn && open) {
        // What the router has not taken yet goes first, for a while; then bye.
        await Promise.race([pump(), new Promise((r) => setTimeout(r, CLOSE_DRAIN_MS))]);
        if (open) {
          conn.publish(GATEWAY_BUS.bye(link), encoder.encode('{}'), { headers: hdrs() });
          await conn.flush().catch(() => undefined);
        }
      }
      end(null);
      await conn?.closed().catch(() => undefined);
    },
  };
}

/** Runs a callback of the NATS client's: a throw there would stop its reader, and the link with it. */
function guard(fn: () => unknown): void {
  try {
    fn();
  } catch {
    // the link's own state decides what happens next; nothing here may reach the reader
  }
}

function isReply(text: string): boolean {
  return (jsonOf(encoder.encode(text)) as { type?: unknown } | null)?.type === 'reply';
}
