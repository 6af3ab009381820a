import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/lib/free-port';

const NATS_SERVER = process.env.NATS_SERVER ?? '/usr/sbin/nats-server';

/**
 * A NATS server of the test's own on loopback (core NATS, as Nest's transport uses it), so that
 * a test may stop and start it without touching the machine's: `stop` kills it (SIGKILL, as a
 * crash), `start` brings it back on the same port.
 */
export class TestNats {
  private proc: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly configFile: string | null,
  ) {}

  /** Starts one; `config` is nats-server configuration text (users and permissions, say). */
  static async start(config?: string): Promise<TestNats> {
    let file: string | null = null;
    if (config) {
      file = join(mkdtempSync(join(tmpdir(), 'lifeline-nats-')), 'nats.conf');
      writeFileSync(file, config);
    }
    const nats = new TestNats(await freePort(), file);
    await nats.start();
    return nats;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = [...(this.configFile ? ['-c', this.configFile] : []), '-a', '127.0.0.1', '-p', String(this.port)];
    const proc = spawn(NATS_SERVER, args, { stdio: ['ignore', 'ignore', 'pipe'] });
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
