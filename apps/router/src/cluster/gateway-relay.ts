import type { NodeCore } from '@lifeline/engine';
import { natsLink } from '@lifeline/gateway-sdk';
import type { Lifeline } from '../lifeline';
import { upgradeToken } from '../auth/auth.service';
import { guardSocket } from '../ws/socket-guard';
import { readJson, requestTarget, type SocketHandler } from '../ws/upgrade';

/**
 * `/gateway` on a follower: the gateway's WebSocket carried over the bus to the node that sends,
 * as a gateway link over NATS of its own (with the gateway's own token, checked again there). If
 * that link is lost (the active node died, the bus is down) the socket closes with 1013 (try
 * again later), and the gateway links again, here or at another node, as after any dropped link.
 */
export function relayedGatewaySocket(lifeline: Lifeline<NodeCore>, bus: string): SocketHandler {
  return (ws, p, req) => {
    const token = upgradeToken(req.headers.authorization, requestTarget(req.url)?.query ?? new URLSearchParams()) ?? '';
    const link = natsLink(bus, token, {
      opened: () => undefined,
      frame: (text) => ws.readyState === ws.OPEN && ws.send(text),
      closed: () => ws.readyState === ws.OPEN && ws.close(1013, 'the link to the active node was lost: link again'),
      log: (m) => lifeline.log.warn(`gateway relay: ${m}`, { tokenId: p.id }),
    });
    const guard = guardSocket(ws, p, lifeline.auth, () => void link.close());
    ws.on('message', (data, isBinary) => {
      if (!guard.admit()) return;
      const r = readJson(data, isBinary);
      // Refused here as the active node would: it never sees what is not JSON text. What is
      // passed on is the text as it came, never a re-serialisation: a frame nested deep enough
      // parses but throws in JSON.stringify, inside ws's synchronous read (the process would end).
      if (!r.ok) ws.send(JSON.stringify({ type: 'error', error: { code: 'bad_frame', message: r.message } }));
      else link.send(String(data));
    });
    ws.on('close', () => void link.close());
  };
}
