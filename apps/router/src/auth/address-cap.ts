import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Caps the connections one client address holds open on `server` (HTTP, upgraded or not). Past
 * the cap a new connection is destroyed as it is accepted, before a byte of it is read: the
 * cheapest refusal there is, and one that a client trickling headers cannot slow. Without it one
 * address could take the whole `server.maxConnections` pool (each slow client held up to the
 * headers timeout) and nobody else, `/health` included, would get an answer.
 *
 * Counted by the socket's address, as the kernel gives it: behind a proxy every client is the
 * proxy; a NAT's clients share one count. Only addresses with connections open are remembered.
 */
export function capConnectionsPerAddress(server: Server, cap: number, onRefused: (address: string) => void): () => void {
  const open = new Map<string, number>();
  const onConnection = (socket: Socket) => {
    const address = socket.remoteAddress;
    if (!address) {
      socket.destroy(); // gone before it was accepted: nothing to serve
      return;
    }
    const n = open.get(address) ?? 0;
    if (n >= cap) {
      socket.destroy();
      onRefused(address);
      return;
    }
    open.set(address, n + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  };
  server.on('connection', onConnection);
  return () => server.off('connection', onConnection);
}
