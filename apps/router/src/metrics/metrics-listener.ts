import { createServer, type Server } from 'node:http';
import type { Metrics } from './metrics';

/**
 * A second listener that serves only `GET /metrics`, without a token: for a management network
 * that a scraper reaches and consoles do not (config `metrics.listen`).
 */
export async function listenForMetrics(metrics: Metrics, host: string, port: number, onError: (e: Error) => void): Promise<{ url: string; close(): Promise<void>; server: Server }> {
  const server: Server = createServer((req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'only GET /metrics here' } }));
      return;
    }
    metrics.render().then(
      (text) => res.writeHead(200, { 'Content-Type': metrics.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Once listening, an error (an accept failing: out of file handles) must not end the process.
  server.on('error', onError);
  const addr = server.address();
  const url = typeof addr === 'object' && addr ? `http://${addr.address}:${addr.port}` : '';
  return { url, server, close: () => new Promise<void>((r) => server.close(() => r())) };
}
