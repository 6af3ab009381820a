import type { WebSocket } from 'ws';
import type { Principal } from '@lifeline/engine';
import type { Lifeline } from '../lifeline';
import { readJson } from './upgrade';

/** `/gateway`: a hardware gateway process, bound by its token to one channel. */
export function gatewaySocket(lifeline: Lifeline) {
  return (ws: WebSocket, p: Principal) => {
    (ws as WebSocket & { principalId?: string }).principalId = p.id;
    const channel = p.channel ?? '';
    const endpoint = lifeline.core.hub.open(
      {
        send: (frame) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(frame)),
        close: (reason) => ws.close(1008, reason.slice(0, 120)),
      },
      { channel, name: p.id },
    );
    ws.on('message', (data, isBinary) => {
      const r = readJson(data, isBinary);
      if (!r.ok) endpoint.malformed(r.message);
      else endpoint.receive(r.value);
    });
    ws.on('close', () => endpoint.closed());
    ws.on('error', () => endpoint.closed());
  };
}
