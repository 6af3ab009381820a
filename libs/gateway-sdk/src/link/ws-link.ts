import WebSocket from 'ws';
import type { Link, LinkEvents } from './link';

/** The gateway link over WebSocket (`ws://host:port/gateway`), the token in the Authorization header. */
export function wsLink(url: string, token: string, events: LinkEvents): Link {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
  let asked = false;
  ws.on('open', () => events.opened());
  ws.on('message', (data, isBinary) => (isBinary ? events.log('router frame ignored: expected a JSON text frame') : events.frame(String(data))));
  ws.on('unexpected-response', (_req, res) => {
    events.log(`router refused the link: HTTP ${res.statusCode}`);
    res.resume();
    ws.terminate();
  });
  ws.on('error', (e) => events.log(`link error: ${e.message}`));
  // What a socket took is sent or lost with it: TCP says no more, so nothing is said again.
  ws.on('close', () => !asked && events.closed([]));
  return {
    send: (text) => ws.send(text),
    drop: () => ws.terminate(),
    close: async () => {
      asked = true;
      if (ws.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(1000, 'gateway stopping');
      });
    },
  };
}
