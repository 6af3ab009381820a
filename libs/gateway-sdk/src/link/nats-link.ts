import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import { GATEWAY_BUS, LINK_ALIVE_MS, linkAnswer, linkClosed, type LinkAnswer } from '@lifeline/contracts';
import type { Link, LinkEvents } from './link';

/** How long a request to the router may go unanswered before the link counts as lost. */
const ANSWER_MS = 5_000;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** An answer of the router, or a refusal the link fails with. */
function answerOf(data: Uint8Array): LinkAnswer {
  try {
    const r = linkAnswer.safeParse(JSON.parse(decoder.decode(data)));
    if (r.success) return r.data;
  } catch {
    // not JSON: as malformed as a wrong shape
  }
  return { ok: false, error: { code: 'bad_answer', message: 'an answer that is not one' } };
}

/**
 * The gateway link over NATS (`nats://host:port`, contract section 5): a link of its own opened
 * with the token, frames to the router as requests taken one at a time and in order (a frame the
 * router did not answer is said again on the next link), frames from the router on the link's
 * subject, and a beat every `LINK_ALIVE_MS`. Any loss (NATS gone, the router restarted or silent)
 * closes the link; the client opens a new one with its back-off, as after a dropped socket.
 */
export function natsLink(url: string, token: string, events: LinkEvents): Link {
  const link = randomBytes(16).toString('base64url');
  const queue: string[] = [];
  let nc: NatsConnection | null = null;
  let open = false;
  let ended = false;
  let sending = false;
  let beat: NodeJS.Timeout | null = null;

  const end = (why: string | null) => {
    if (ended) return;
    ended = true;
    open = false;
    if (beat) clearInterval(beat);
    void nc?.close().catch(() => undefined);
    if (why === null) return;
    events.log(why);
    events.closed(queue.splice(0));
  };
  const ask = async (subject: string, text: string): Promise<LinkAnswer> => {
    try {
      return answerOf((await nc!.request(subject, encoder.encode(text), { timeout: ANSWER_MS })).data);
    } catch (e) {
      return { ok: false, error: { code: 'no_answer', message: (e as Error).message } };
    }
  };
  const pump = async () => {
    if (sending || !open) return;
    sending = true;
    while (queue.length && open) {
      const a = await ask(GATEWAY_BUS.from(link), queue[0]);
      if (!a.ok) return end(`link lost: ${a.error.code}: ${a.error.message}`);
      queue.shift();
    }
    sending = false;
  };

  void (async () => {
    try {
      nc = await connect({ servers: url, reconnect: false, name: `lifeline-gateway:${link}` });
      if (ended) return void nc.close();
      void nc.closed().then(() => end('link lost: the connection to NATS closed'));
      nc.subscribe(GATEWAY_BUS.to(link), { callback: (_e, m) => open && events.frame(safeText(m.data)) });
      nc.subscribe(GATEWAY_BUS.closed(link), {
        callback: (_e, m) => {
          const r = linkClosed.safeParse(safeJson(m.data));
          end(`router closed the link: ${r.success ? r.data.reason : 'no reason'}`);
        },
      });
      const a = await ask(GATEWAY_BUS.open, JSON.stringify({ token, link }));
      if (!a.ok) return end(`router refused the link: ${a.error.code}: ${a.error.message}`);
      open = true;
      beat = setInterval(() => {
        void ask(GATEWAY_BUS.alive(link), '{}').then((b) => !b.ok && end(`link lost: ${b.error.code}: ${b.error.message}`));
      }, LINK_ALIVE_MS);
      events.opened();
      void pump();
    } catch (e) {
      end(`link error: ${(e as Error).message}`);
    }
  })();

  return {
    send: (text) => {
      if (ended) return;
      queue.push(text);
      void pump();
    },
    drop: () => end('link dropped'),
    close: async () => {
      const conn = nc;
      if (conn && open) {
        conn.publish(GATEWAY_BUS.bye(link), encoder.encode('{}'));
        await conn.flush().catch(() => undefined);
      }
      end(null);
      await conn?.closed().catch(() => undefined);
    },
  };
}

function safeText(data: Uint8Array): string {
  try {
    return decoder.decode(data);
  } catch {
    return ''; // not UTF-8: the client refuses it as it refuses any frame it cannot read
  }
}

function safeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(data));
  } catch {
    return null;
  }
}
