import type { ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { spawnRouter, type RouterProcess } from '../../scripts/lib/router-process';

export type Child = RouterProcess;

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
export async function startChild(env: Record<string, string>): Promise<Child> {
  const child = await startNode(env);
  await child.listening;
  return child;
}

/**
 * Starts a router process and waits until it serves its port: as the router, or as a standby
 * (`LIFELINE_STANDBY=1`) waiting for the writer lease; `listening` tells when it took over.
 */
export function startNode(env: Record<string, string>): Promise<Child> {
  // LIFELINE_TEST_LOGS=<dir>: each node's log there, by name (a failing cluster test's story).
  const logs = process.env.LIFELINE_TEST_LOGS;
  return spawnRouter(env, {
    ...(logs ? { onStderr: (d: Buffer) => appendFileSync(join(logs, `${env.LIFELINE_NODE ?? 'router'}-${process.pid}.log`), d) } : {}),
    onSpawn: (proc) => {
      running.add(proc);
      proc.once('exit', () => running.delete(proc));
    },
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
