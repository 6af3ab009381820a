import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';

/** How long the radio gateway must have been silent before an unknown sender makes the check look its name up again. */
const RELOOK_MS = 60_000;

/**
 * Which IPv4 addresses datagrams may come from: the radio gateway's (those its host name resolves
 * to, and any the config lists beside them). The adapter's port is open on the network: anything
 * else could send it acks that settle messages no radio received, or texts in a radio's name.
 * A source address is easy to forge on a network an attacker is on: this is a filter against
 * strays and the careless, not authentication; keep the port behind a firewall or VPN.
 *
 * A name that now points elsewhere (the radio gateway replaced) is looked up again when an
 * unknown sender is heard, but only once the known addresses have been silent a minute: an
 * unknown sender cannot make the check drop a radio gateway that is talking.
 */
export class SourceCheck {
  private addresses: Set<string>;
  private lookedUpAt = -Infinity;
  private heardAt = -Infinity;
  private readonly warned = new Set<string>();
  /** The last sender refused, for the health detail: a radio gateway behind NAT shows here. */
  lastRefused: string | null = null;

  constructor(
    private readonly host: string,
    private readonly listed: readonly string[],
    private readonly now: () => number,
    private readonly log: (m: string) => void,
  ) {
    this.addresses = new Set(listed);
  }

  async start(): Promise<void> {
    await this.lookUp();
  }

  /** Whether a datagram from `address` may be read; one that may not is logged once per sender. */
  allows(address: string): boolean {
    const now = this.now();
    if (this.addresses.has(address)) {
      this.heardAt = now;
      return true;
    }
    this.lastRefused = address;
    if (now - this.heardAt >= RELOOK_MS && now - this.lookedUpAt >= RELOOK_MS) void this.lookUp();
    if (this.warned.size < 1_000 && !this.warned.has(address)) {
      this.warned.add(address);
      this.log(`datagrams from ${address} ignored: not the radio gateway (${[...this.addresses].join(', ') || this.host})`);
    }
    return false;
  }

  private async lookUp(): Promise<void> {
    this.lookedUpAt = this.now();
    if (isIPv4(this.host)) {
      this.addresses = new Set([this.host, ...this.listed]);
      return;
    }
    try {
      const found = (await lookup(this.host, { all: true, family: 4 })).map((a) => a.address);
      this.addresses = new Set([...found, ...this.listed]);
    } catch (e) {
      this.log(`radio gateway ${this.host}: ${(e as Error).message}; datagrams are read from ${this.listed.join(', ') || 'nowhere'} until it resolves`);
    }
  }
}
