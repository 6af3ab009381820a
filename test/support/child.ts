import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

export interface Child {
  proc: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

/** A config like the default, with simulators fast and lossless, written to a temp file. */
export function fastConfig(dir: string, tweak: (c: Record<string, any>) => void = () => {}): string {
  const c = parse(readFileSync('config/default.yaml', 'utf8'));
  c.directory = resolve('config/directory.yaml');
  c.tokens = resolve('config/tokens.yaml');
  for (const ch of c.channels) Object.assign(ch.simulator, { acceptMs: [0, 5], deliverMs: [0, 20], loss: 0, replyProbability: 0 });
  tweak(c);
  const file = join(dir, 'fast.yaml');
  writeFileSync(file, stringify(c));
  return file;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'lifeline-'));
}

const running = new Set<ChildProcess>();

/** Kills every router a test started; for afterAll, so a failing test leaves no process behind. */
export function killChildren(): void {
  for (const p of running) p.kill('SIGKILL');
  running.clear();
}

/** Starts the built router (`dist/`) as its own process and waits until it listens. */
export function startChild(env: Record<string, string>): Promise<Child> {
  const proc = spawn(process.execPath, ['dist/apps/router/src/main.js'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  return new Promise((resolvePromise, reject) => {
    proc.stderr!.on('data', (d) => {
      err += String(d);
      const m = /listening on (http:\/\/[\d.:]+)/.exec(err);
      if (m) resolvePromise({ proc, url: m[1], exited, stderr: () => err });
    });
    void exited.then(({ code }) => reject(new Error(`router exited with ${code} before listening:\n${err}`)));
  });
}

/** Polls `check` until it holds; a condition, never a fixed sleep. */
export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
