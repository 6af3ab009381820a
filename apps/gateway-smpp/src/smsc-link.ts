import type { Clock } from '@lifeline/clock';
import * as smpp from 'smpp';

import { Backoff } from '@lifeline/gateway-sdk';

export interface SmscLinkOptions {
  url: string;
  systemId: string;
  password: string;
  systemType?: string;
  enquireLinkS: number;
  /** A submit with no response by then counts as lost (the link is then recycled). */
  responseTimeoutS: number;
  reconnect: { baseMs: number; maxMs: number };
  clock: Clock;
  log: (m: string) => void;
  onBound: () => void;
  onUnbound: (reason: string) => void;
  /** A deliver_sm from the SMS centre: a receipt or a mobile-originated message. */
  onDeliver: (pdu: smpp.Pdu) => void;
}

/**
 * One bind_transceiver to an SMS centre, kept up: reconnects with back-off, keeps the link alive
 * with enquire_link, and turns submit_sm into a promise of its response.
 */
export class SmscLink {
  private session: smpp.Session | null = null;
  private bound = false;
  private stopped = false;
  private cancelRetry: (() => void) | null = null;
  /** The bind's deadline, or the watch on a bound link's liveness: one timer of the session's. */
  private cancelWatch: (() => void) | null = null;
  private lastHeard = 0;
  private readonly backoff: Backoff;

  constructor(private readonly o: SmscLinkOptions) {
    this.backoff = new Backoff(o.reconnect.baseMs, o.reconnect.maxMs);
  }

  get isBound(): boolean {
    return this.bound;
  }

  start(): void {
    this.connect();
  }

  /** Unbinds and closes; a centre that never answers the unbind is cut after the response timeout (a stop must end). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelRetry?.();
    this.cancelWatch?.();
    const s = this.session;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      if (!this.bound) return s.destroy();
      const cut = this.o.clock.schedule(this.o.clock.now() + this.o.responseTimeoutS * 1000, () => s.destroy());
      s.once('close', cut);
      s.unbind(() => s.close());
    });
  }

  /** Resolves with the submit_sm_resp; rejects when the link is down or the response never comes. */
  submit(params: Record<string, unknown>): Promise<smpp.Pdu> {
    const s = this.session;
    if (!s || !this.bound) return Promise.reject(new Error('SMSC link down'));
    return new Promise((resolve, reject) => {
      const cancel = this.o.clock.schedule(this.o.clock.now() + this.o.responseTimeoutS * 1000, () => {
        reject(new Error(`no submit_sm_resp in ${this.o.responseTimeoutS}s`));
        s.destroy();
      });
      const ok = s.submit_sm(params, (pdu: smpp.Pdu) => {
        cancel();
        resolve(pdu);
      });
      if (ok === false) {
        cancel();
        reject(new Error('SMSC link down'));
      }
    });
  }

  private connect(): void {
    this.cancelRetry = null;
    if (this.stopped) return;
    // enquire_link is sent on this link's clock (watchAlive), not npm smpp's own timer: the same
    // clock that judges the silence.
    const s = smpp.connect({ url: this.o.url });
    this.session = s;
    s.on('pdu', () => (this.lastHeard = this.o.clock.now()));
    s.on('connect', () => {
      // A centre that takes the connection but never answers the bind is cut, and tried again.
      this.watch(s, this.o.responseTimeoutS * 1000, () => (this.bound ? null : `no bind_transceiver_resp in ${this.o.responseTimeoutS}s`));
      // interface_version 0x34: this is an SMPP 3.4 client (npm smpp would announce 5.0, which a
      // 3.4 centre may refuse, or answer with 5.0 PDUs this adapter does not read).
      s.bind_transceiver({ system_id: this.o.systemId, password: this.o.password, system_type: this.o.systemType ?? '', interface_version: 0x34 }, (pdu: smpp.Pdu) => {
        if (pdu.command_status !== 0) {
          this.o.log(`bind_transceiver refused: status 0x${pdu.command_status.toString(16)}`);
          return s.destroy();
        }
        this.bound = true;
        this.lastHeard = this.o.clock.now();
        this.watchAlive(s);
        this.backoff.reset();
        this.o.log(`bound to ${this.o.url} as ${this.o.systemId}`);
        this.o.onBound();
      });
    });
    s.on('deliver_sm', (pdu: smpp.Pdu) => {
      s.send(pdu.response());
      this.o.onDeliver(pdu);
    });
    s.on('enquire_link', (pdu: smpp.Pdu) => s.send(pdu.response()));
    s.on('unbind', (pdu: smpp.Pdu) => {
      s.send(pdu.response());
      s.close();
    });
    // Any error ends the session: npm smpp stops reading after a PDU it cannot parse (a length
    // under 16 or over its limit, a TLV past the end) and would leave a bound link deaf.
    s.on('error', (e: Error) => {
      this.o.log(`SMSC link error: ${e.message}; closing the link`);
      s.destroy();
    });
    s.on('close', () => {
      if (this.session !== s) return;
      this.cancelWatch?.();
      this.session = null;
      const was = this.bound;
      this.bound = false;
      if (was) this.o.onUnbound('SMSC link closed');
      if (this.stopped) return;
      const delay = this.backoff.next();
      this.cancelRetry = this.o.clock.schedule(this.o.clock.now() + delay, () => this.connect());
    });
  }

  /** After `ms`, cuts the session if `fault` says why (null: all is well). */
  private watch(s: smpp.Session, ms: number, fault: () => string | null, then?: () => void): void {
    this.cancelWatch?.();
    this.cancelWatch = this.o.clock.schedule(this.o.clock.now() + ms, () => {
      if (this.session !== s) return;
      const why = fault();
      if (why === null) return then?.();
      this.o.log(`SMSC link: ${why}; closing the link`);
      s.destroy();
    });
  }

  /**
   * A bound link asks the centre every enquire_link period and so hears it at least that often
   * (the response, if nothing else): silence for three periods is a dead link, or a reader stalled on a PDU whose length
   * never arrives (npm smpp raises no error for a length under 5).
   */
  private watchAlive(s: smpp.Session): void {
    const period = this.o.enquireLinkS * 1000;
    this.watch(s, period, () => {
      s.enquire_link();
      const silent = this.o.clock.now() - this.lastHeard;
      return silent > 3 * period ? `nothing heard from the SMS centre in ${Math.round(silent / 1000)}s` : null;
    }, () => this.watchAlive(s));
  }
}
