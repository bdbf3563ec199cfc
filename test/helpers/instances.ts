import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeLoopbackPort } from './net.ts';

/**
 * Service processes (`src/cli.ts serve`) for tests of several instances on one PostgreSQL:
 * each on its own port, its output kept for the failure message and for what the test
 * reads from its log.
 */

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

export interface ServiceInstance {
  index: number;
  base: string;
  process: ChildProcess;
  /** Everything it wrote (JSON log lines with LOG_FORMAT=json). */
  output(): string;
  /** When it was spawned (Date.now()): its worker cannot have polled before. */
  spawnedAt: number;
  stop(): Promise<void>;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

async function waitForHealth(instance: ServiceInstance): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (instance.process.exitCode !== null) throw new Error(`Instanz ${instance.index} beendet (${instance.process.exitCode}):\n${instance.output().slice(-3000)}`);
    try {
      if ((await fetch(`${instance.base}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Instanz ${instance.index} wurde nicht bereit:\n${instance.output().slice(-3000)}`);
}

/** Starts `count` instances at once with the same environment (plus per-instance extras) and waits until each answers /health. */
export async function startInstances(t: Teardown, count: number, env: Record<string, string>, perInstance: (index: number) => Record<string, string> = () => ({})): Promise<ServiceInstance[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'efa-instances-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const ports = await Promise.all(Array.from({ length: count }, () => freeLoopbackPort()));
  const instances = ports.map((port, index): ServiceInstance => {
    const child = spawn(process.execPath, [CLI, 'serve'], {
      env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), DATA_DIR: join(dataDir, String(index)), LOG_FORMAT: 'json', ...env, ...perInstance(index) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const instance: ServiceInstance = {
      index,
      base: `http://127.0.0.1:${port}`,
      process: child,
      output: () => output,
      spawnedAt: Date.now(),
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(killer);
      },
    };
    t.teardown(() => instance.stop());
    return instance;
  });
  await Promise.all(instances.map(waitForHealth));
  return instances;
}
