import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../scripts/lib/free-port';

const NATS_SERVER = process.env.NATS_SERVER ?? '/usr/sbin/nats-server';

/**
 * A NATS server of the test's own on loopback (core NATS, as Nest's transport uses it), so that
 * a test may stop and start it without touching the machine's: `stop` kills it (SIGKILL, as a
 * crash), `start` brings it back on the same port.
 */
export class TestNats {
  private proc: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  static async start(): Promise<TestNats> {
    const nats = new TestNats(await freePort());
    await nats.start();
    return nats;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const proc = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(this.port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    let out = '';
    await new Promise<void>((resolve, reject) => {
      proc.stderr!.on('data', (d: Buffer) => {
        out += String(d);
        if (/Server is ready/.test(out)) resolve();
      });
      proc.once('exit', (code) => reject(new Error(`nats-server exited with ${code}: ${out}`)));
    });
    proc.stderr!.resume();
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  }
}
