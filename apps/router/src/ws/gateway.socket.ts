import type { WebSocket } from 'ws';
import type { NodeCore, Principal } from '@lifeline/engine';
import type { GatewayAuth, GatewayLink } from '@lifeline/channels';
import type { Lifeline } from '../lifeline';
import { guardSocket } from './socket-guard';
import { readJson } from './upgrade';

/**
 * `/gateway`: a hardware gateway process, bound by its token to one channel, and to the gateway
 * ids and areas the token names. A revoked token's session leaves the hub at once: no send goes
 * to it, and nothing it says after counts.
 */
export function gatewaySocket(lifeline: Lifeline<NodeCore>, gateways: GatewayLink) {
  return (ws: WebSocket, p: Principal) => {
    const endpoint = gateways.open(
      {
        send: (frame) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(frame)),
        close: (reason) => ws.close(1008, reason.slice(0, 120)),
      },
      gatewayAuth(p),
    );
    const guard = guardSocket(ws, p, lifeline.auth, () => endpoint.closed(true)); // revoked: gone, not a blip
    ws.on('message', (data, isBinary) => {
      if (!guard.admit()) return;
      const r = readJson(data, isBinary);
      if (!r.ok) endpoint.malformed(r.message);
      else endpoint.receive(r.value);
    });
    ws.on('close', () => endpoint.closed());
    ws.on('error', () => endpoint.closed());
  };
}

/** What a gateway token lets its link claim: its channel, gateway ids and areas. */
export function gatewayAuth(p: Principal): GatewayAuth {
  return { channel: p.channel ?? '', principal: p.id, gatewayIds: p.gatewayIds ?? null, areas: p.areas };
}
