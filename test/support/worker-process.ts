/**
 * Real worker processes for the kill tests: spawned from a `*.worker.ts`
 * entry, killed with SIGKILL mid-work, and replaced by a second process.
 * The test side spawns, waits and reaps; the child side reads its options and
 * says `ready` once it polls.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { configSchema, type QmtlConfig } from '../../workers/config';
import { ensureSearchAttributes } from '../../workers/search-attributes-setup';
import { connectClient, type TemporalClient } from '../../workers/temporal-connection';
import { registerNamespace } from './namespace';

/** What every kill-test worker is told: where the server is, which namespace, and its store's home. */
export interface WorkerProcessOptions {
  address: string;
  namespace: string;
  home: string;
}

/** Starts `node --import tsx <entry> '<options JSON>'` and resolves once it prints `ready`. */
export function startWorkerProcess(entry: string, options: WorkerProcessOptions): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, JSON.stringify(options)], {
    cwd: path.resolve(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before polling: ${stderr}`)));
  });
}

export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGKILLs whichever children still run and waits for all of them. */
export async function reapAll(children: ChildProcess[]): Promise<void> {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(children.map(exited));
}

/** Waits until `probe` holds, or throws after `ms`. */
export async function until(probe: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The space-separated fields of each line of a log the workers append to; none when it is not written yet. */
export function readLogLines(file: string): string[][] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' '));
}

/** Connects to the jest-started dev server in a namespace of its own (`<prefix>-<random>`), search attributes set. */
export async function connectFreshNamespace(prefix: string): Promise<TemporalClient> {
  const address = process.env.QMTL_TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('QMTL_TEST_TEMPORAL_ADDRESS is unset: run through jest');
  const namespace = `${prefix}-${randomBytes(4).toString('hex')}`;
  const temporal = await connectClient(
    configSchema.parse({ temporalAddress: address, temporalNamespace: namespace }) as QmtlConfig,
  );
  await registerNamespace(temporal.client, namespace);
  await ensureSearchAttributes(temporal.connection, namespace);
  return temporal;
}

/** A kill test's world: its own namespace, a scratch directory, and the worker processes it spawned. */
export interface WorkerProcessScope {
  temporal: TemporalClient;
  root: string;
  children: ChildProcess[];
}

/**
 * Sets up a scope before the describe block's tests (namespace `<prefix>-<random>`, directory
 * `<prefix>-*` in the temp dir) and after them reaps every child still alive, closes and removes.
 */
export function workerProcessScope(prefix: string): WorkerProcessScope {
  const scope = { children: [] as ChildProcess[] } as WorkerProcessScope;
  beforeAll(async () => {
    scope.root = mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    scope.temporal = await connectFreshNamespace(prefix);
  });
  afterAll(async () => {
    await reapAll(scope.children);
    await scope.temporal?.connection.close();
    if (scope.root) rmSync(scope.root, { recursive: true, force: true });
  });
  return scope;
}

/** The child side: the worker's config from its options (silent logs), plus any settings of its own. */
export function workerProcessConfig(
  options: WorkerProcessOptions,
  extra: Record<string, unknown> = {},
): QmtlConfig {
  return configSchema.parse({
    home: options.home,
    logLevel: 'silent',
    temporalAddress: options.address,
    temporalNamespace: options.namespace,
    ...extra,
  }) as QmtlConfig;
}

/** The child side: runs `main` with the options JSON in argv[2], exiting 1 with the stack on failure. */
export function runWorkerProcess<T>(main: (options: T) => Promise<void>): void {
  main(JSON.parse(process.argv[2] ?? '{}') as T).catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
