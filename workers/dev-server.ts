/**
 * The embedded Temporal: `temporal server start-dev` with a SQLite file under
 * QMTL_HOME (workflows survive restarts), the Web UI, and every Qmtl* search
 * attribute. Started by `npm start` (workers/dev.ts) and, in memory, by the
 * test suite's global setup. Not used when TEMPORAL_ADDRESS names a cluster.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { QMTL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import type { QmtlConfig } from './config';
import type { Logger } from './logger';
import { CLI_TYPE_NAMES, ensureSearchAttributes } from './search-attributes-setup';
import { binaryUnavailableError, resolveTemporalCli, type ResolvedBinary } from './temporal-binaries';

export type DevServerConfig = Pick<
  QmtlConfig,
  'home' | 'temporalDevPort' | 'temporalUiPort' | 'temporalNamespace' | 'temporalCliPath'
>;

export interface DevServerOptions {
  /** No SQLite file: state dies with the process (tests). */
  inMemory?: boolean;
  /** No Web UI (tests). */
  headless?: boolean;
  /** Skip binary resolution (already resolved by the caller). */
  binary?: ResolvedBinary;
  startTimeoutMs?: number;
  /** Grace period between SIGTERM and SIGKILL. */
  stopTimeoutMs?: number;
}

export interface DevServer {
  /** host:port of the frontend gRPC service. */
  address: string;
  namespace: string;
  /** Undefined when headless. */
  uiUrl: string | undefined;
  /** Undefined when in memory. */
  dbFile: string | undefined;
  stop(): Promise<void>;
}

export class DevServerError extends Error {
  override name = 'DevServerError';
}

const HOST = '127.0.0.1';
const PID_FILE = 'temporal-dev.pid';
const DB_FILE = 'temporal.db';

export async function startDevServer(
  config: DevServerConfig,
  log: Logger,
  options: DevServerOptions = {},
): Promise<DevServer> {
  await ensurePortsFree(config, options);
  const binary = options.binary ?? (await resolveTemporalCli(config, { log: (line) => log.info(line) }));
  const server =
    binary.type === 'existing-path'
      ? await spawnDevServer(binary.path, config, log, options)
      : await startWithSdkDownload(binary, config, options);
  // start-dev registers --search-attribute only into a fresh database; an
  // existing SQLite file from an older release may lack newer attributes.
  if (!options.inMemory) {
    const connection = await Connection.connect({ address: server.address });
    try {
      const added = await ensureSearchAttributes(connection, config.temporalNamespace);
      if (added.length > 0) log.info({ added }, 'registered new search attributes');
    } catch (err) {
      await server.stop();
      throw err;
    } finally {
      await connection.close();
    }
  }
  return server;
}

/** `--search-attribute Name=Type` for every Qmtl* attribute. */
export function searchAttributeFlags(): string[] {
  return QMTL_SEARCH_ATTRIBUTES.flatMap((key) => [
    '--search-attribute',
    `${key.name}=${CLI_TYPE_NAMES[key.type]}`,
  ]);
}

export function devServerArgs(config: DevServerConfig, options: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', HOST, '--port', String(config.temporalDevPort)];
  args.push('--namespace', config.temporalNamespace, '--log-level', 'warn');
  if (!options.inMemory) args.push('--db-filename', path.join(config.home, DB_FILE));
  // Attributes added after start (ensureSearchAttributes) are usable at once.
  args.push('--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=true');
  if (options.headless) args.push('--headless');
  else args.push('--ui-port', String(config.temporalUiPort), '--ui-disable-news-fetch');
  return [...args, ...searchAttributeFlags()];
}

async function spawnDevServer(
  executable: string,
  config: DevServerConfig,
  log: Logger,
  options: DevServerOptions,
): Promise<DevServer> {
  mkdirSync(config.home, { recursive: true });
  const address = `${HOST}:${config.temporalDevPort}`;
  const pidFile = options.inMemory ? undefined : path.join(config.home, PID_FILE);
  const started = Date.now();
  // Own process group: a terminal Ctrl-C must reach us, not the server, so
  // workers can finish shutting down before the server stops.
  const child = spawn(executable, devServerArgs(config, options), {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output = captureOutput(child, log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  if (pidFile !== undefined && child.pid !== undefined) writeFileSync(pidFile, `${child.pid}\n`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      output.stopping = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        if (!(await settlesWithin(exited, options.stopTimeoutMs ?? 10_000))) {
          log.warn('Temporal dev server ignored SIGTERM; sending SIGKILL');
          child.kill('SIGKILL');
          await exited;
        }
      }
      process.removeListener('exit', killOnExit);
      if (pidFile !== undefined) rmSync(pidFile, { force: true });
    })());

  try {
    await waitUntilReady(address, config.temporalNamespace, exited, output, options.startTimeoutMs ?? 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  log.debug({ address, ms: Date.now() - started }, 'Temporal dev server ready');
  return {
    address,
    namespace: config.temporalNamespace,
    uiUrl: options.headless ? undefined : `http://${HOST}:${config.temporalUiPort}`,
    dbFile: options.inMemory ? undefined : path.join(config.home, DB_FILE),
    stop,
  };
}

interface CapturedOutput {
  tail: string[];
  stopping: boolean;
}

/** Keeps the last lines for error messages; server errors go to our log unless we are stopping it. */
function captureOutput(child: ChildProcess, log: Logger): CapturedOutput {
  const captured: CapturedOutput = { tail: [], stopping: false };
  const onData = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() === '') continue;
      captured.tail = [...captured.tail.slice(-29), line];
      if (!captured.stopping && line.includes('level=ERROR'))
        log.warn({ temporal: line }, 'Temporal dev server');
      else log.debug({ temporal: line }, 'Temporal dev server');
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return captured;
}

async function waitUntilReady(
  address: string,
  namespace: string,
  exited: Promise<number | null>,
  output: CapturedOutput,
  timeoutMs: number,
): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const deadline = Date.now() + timeoutMs;
  let lastError = 'not listening yet';
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      throw new DevServerError(
        `temporal server start-dev exited (code ${exitCode}):\n${output.tail.join('\n')}`,
      );
    }
    if (await acceptsTcp(address)) {
      try {
        const connection = await Connection.connect({ address, connectTimeout: 2_000 });
        try {
          await connection.workflowService.describeNamespace({ namespace });
          return;
        } finally {
          await connection.close();
        }
      } catch (err) {
        lastError = (err as Error).message;
      }
    }
    await delay(100);
  }
  throw new DevServerError(
    `Temporal dev server at ${address} did not answer within ${timeoutMs} ms (${lastError}):\n${output.tail.join('\n')}`,
  );
}

/**
 * Machines without python3/pip but with internet: let @temporalio/testing
 * download the CLI and run it. A devDependency, hence loaded only here.
 */
async function startWithSdkDownload(
  binary: Extract<ResolvedBinary, { type: 'cached-download' }>,
  config: DevServerConfig,
  options: DevServerOptions,
): Promise<DevServer> {
  try {
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'cached-download', downloadDir: binary.downloadDir },
        ip: HOST,
        port: config.temporalDevPort,
        namespace: config.temporalNamespace,
        dbFilename: options.inMemory ? undefined : path.join(config.home, DB_FILE),
        ui: !options.headless,
        uiPort: options.headless ? undefined : config.temporalUiPort,
        searchAttributes: [...QMTL_SEARCH_ATTRIBUTES],
      },
    });
    return {
      address: env.address,
      namespace: config.temporalNamespace,
      uiUrl: options.headless ? undefined : `http://${HOST}:${config.temporalUiPort}`,
      dbFile: options.inMemory ? undefined : path.join(config.home, DB_FILE),
      stop: () => env.teardown(),
    };
  } catch (err) {
    throw binaryUnavailableError('cli', binary, err);
  }
}

/** Refuses to start over a server left from an earlier run (it would hold the SQLite file, too). */
async function ensurePortsFree(config: DevServerConfig, options: DevServerOptions): Promise<void> {
  const ports = [{ port: config.temporalDevPort, variable: 'TEMPORAL_DEV_PORT' }];
  if (!options.headless) ports.push({ port: config.temporalUiPort, variable: 'TEMPORAL_UI_PORT' });
  for (const { port, variable } of ports) {
    if (await portIsFree(port)) continue;
    const leftover = options.inMemory ? undefined : leftoverPid(config.home);
    const who =
      leftover !== undefined
        ? `a Temporal dev server from an earlier run (pid ${leftover}) is still running; stop it with \`kill ${leftover}\``
        : 'another program (a Temporal dev server left over?) is listening there; stop it';
    throw new DevServerError(
      `cannot start the Temporal dev server: ${HOST}:${port} is in use: ${who}, ` +
        `or choose another port with ${variable}` +
        (variable === 'TEMPORAL_DEV_PORT'
          ? `, or use that server with TEMPORAL_ADDRESS=${HOST}:${port}`
          : ''),
    );
  }
}

function leftoverPid(home: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path.join(home, PID_FILE), 'utf8'), 10);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

export function portIsFree(port: number, host = HOST): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/** A port the OS just handed out (free at the time of the call). */
export function freePort(host = HOST): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function acceptsTcp(address: string): Promise<boolean> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1_000);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether `promise` settles within `ms`; the timer never outlives the answer. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
