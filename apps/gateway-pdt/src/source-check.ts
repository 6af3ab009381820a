import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';

/** How often an unknown sender may make the check look the radio gateway's name up again. */
const RELOOK_MS = 60_000;

/**
 * Which IPv4 addresses datagrams may come from: the radio gateway's (its host name looked up, or
 * the addresses the config lists). The adapter's port is open on the network: anyone could
 * otherwise send it acks that settle messages no radio received, or answers in a radio's name.
 * A name that now points elsewhere (the radio gateway replaced) is looked up again when an
 * unknown sender is heard, at most once a minute.
 */
export class SourceCheck {
  private addresses = new Set<string>();
  private lookedUpAt = -Infinity;
  private readonly warned = new Set<string>();

  constructor(
    private readonly host: string,
    private readonly listed: readonly string[],
    private readonly now: () => number,
    private readonly log: (m: string) => void,
  ) {}

  async start(): Promise<void> {
    await this.lookUp();
  }

  /** Whether a datagram from `address` may be read; one that may not is logged once per sender. */
  allows(address: string): boolean {
    if (this.addresses.has(address)) return true;
    if (!this.listed.length && this.now() - this.lookedUpAt >= RELOOK_MS) void this.lookUp();
    if (this.warned.size < 1_000 && !this.warned.has(address)) {
      this.warned.add(address);
      this.log(`datagrams from ${address} ignored: not the radio gateway (${[...this.addresses].join(', ') || this.host})`);
    }
    return false;
  }

  private async lookUp(): Promise<void> {
    this.lookedUpAt = this.now();
    if (this.listed.length) {
      this.addresses = new Set(this.listed);
      return;
    }
    if (isIPv4(this.host)) {
      this.addresses = new Set([this.host]);
      return;
    }
    try {
      this.addresses = new Set((await lookup(this.host, { all: true, family: 4 })).map((a) => a.address));
    } catch (e) {
      this.log(`radio gateway ${this.host}: ${(e as Error).message}; datagrams are ignored until it resolves`);
    }
  }
}
