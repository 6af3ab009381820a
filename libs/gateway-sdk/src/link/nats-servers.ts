/** How nats.js is told where the bus is and who is connecting. */
export interface NatsServers {
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
  /** Set (empty: the system's CAs, and NODE_EXTRA_CA_CERTS) when a `tls://` server asks for TLS whatever the server offers. */
  tls?: Record<string, never>;
}

/**
 * A bus address as operators write it, one or several comma-separated servers, credentials in
 * the URL as NATS tools take them: `nats://user:password@a:4222,nats://b:4222` (user and
 * password) or `nats://s3cret@a:4222` (a token). nats.js reads no credentials from a URL (it would
 * connect without them and be refused), so they are taken out here and given as options; the
 * servers of one bus share one set. `tls://` insists on TLS (nats.js also upgrades a `nats://`
 * connection to a server that requires it); the server's certificate is checked against the
 * system's CAs and those of NODE_EXTRA_CA_CERTS. Throws naming the entry that is not a NATS URL.
 */
export function natsServers(url: string): NatsServers {
  const out: NatsServers = { servers: [] };
  for (const entry of url.split(',').map((s) => s.trim())) {
    let u: URL;
    try {
      u = new URL(entry);
    } catch {
      throw new Error(`expected nats://[user:password@]host:port (or tls://), not "${hideCredentials(entry)}"`);
    }
    if ((u.protocol !== 'nats:' && u.protocol !== 'tls:') || !u.hostname) throw new Error(`expected nats://[user:password@]host:port (or tls://), not "${hideCredentials(entry)}"`);
    if (u.protocol === 'tls:') out.tls = {};
    const user = decodeURIComponent(u.username);
    const pass = decodeURIComponent(u.password);
    if (user && pass && !out.user && !out.token) Object.assign(out, { user, pass });
    else if (user && !pass && !out.user && !out.token) out.token = user;
    out.servers.push(`${u.protocol}//${u.hostname}:${u.port || 4222}`);
  }
  return out;
}

/** Whether `url` names NATS servers as `natsServers` takes them. */
export function isNatsUrl(url: string): boolean {
  try {
    natsServers(url);
    return true;
  } catch {
    return false;
  }
}

/**
 * A URL (or several, comma-separated) with the credentials in it hidden, for logs: a bus's, an
 * MQTT broker's, an SMS centre's. Up to the last `@` before the host, so a password holding an
 * unencoded `@` is hidden whole.
 */
export function hideCredentials(url: string): string {
  return url.replace(/\/\/[^/,]*@/g, '//***@');
}
