/**
 * Worker wiring: one Temporal worker per configured task queue, all sharing
 * one workflow bundle and one set of activities over the process's store.
 */
import {
  bundleWorkflowCode,
  Runtime,
  Worker,
  type LogLevel,
  type LogMetadata,
  type NativeConnection,
  type WorkerOptions,
  type WorkflowBundle,
} from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { createActivities } from '../activities';
import type { VenueLookup } from '../activities/backfill';
import type { Store } from '../activities/store/port';
import type { OrderVenueLookup } from '../activities/venues/order-port';
import type { LoadedPlugin } from './plugins';
import { VenueRegistry } from '../activities/venues/registry';
import { DATA_QUEUE, EXEC_QUEUE } from '../workflows/task-queues';
import { configSchema, type QmtlConfig } from './config';
import type { Logger } from './logger';
import { startReconcilers } from './reconcile-start';
import { chunkQueueRouter, createVenueWorkers, venueTaskQueue } from './venue-queues';

/** The configuration schema's defaults, for callers that pass a partial config. */
const RECONCILE_DEFAULTS = configSchema.parse({});

export interface RunningWorkers {
  /** Resolves when every worker has stopped (after shutdown, or on a fatal error). */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

let runtimeInstalled = false;

/**
 * Routes the SDK's own logs (worker state changes, workflow `log.*` calls)
 * into the process's pino logger, so they obey QMTL_LOG_LEVEL. Once per
 * process, before the first worker.
 */
export function installTemporalRuntime(log: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const sdkLog = log.child({ component: 'temporal-sdk' });
  const emit = (level: LogLevel, message: string, meta?: LogMetadata): void => {
    const method = ({ TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const)[
      level
    ];
    sdkLog[method](meta ?? {}, message);
  };
  try {
    Runtime.install({
      logger: {
        log: emit,
        trace: (m, meta) => emit('TRACE', m, meta),
        debug: (m, meta) => emit('DEBUG', m, meta),
        info: (m, meta) => emit('INFO', m, meta),
        warn: (m, meta) => emit('WARN', m, meta),
        error: (m, meta) => emit('ERROR', m, meta),
      },
      // The Rust core's own lines (e.g. server capability warnings) go through the same logger.
      telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
    });
  } catch {
    // A runtime already exists in this process (e.g. a test environment made one); keep it.
  }
}

let cachedBundle: Promise<WorkflowBundle> | undefined;

/** Bundles workflows/ once per process (webpack takes seconds). */
export function workflowBundle(): Promise<WorkflowBundle> {
  cachedBundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
  });
  return cachedBundle;
}

/** Worker settings a process may tune (tests shorten timeouts); the wiring itself is fixed. */
export type WorkerTuning = Pick<
  WorkerOptions,
  'maxHeartbeatThrottleInterval' | 'stickyQueueScheduleToStartTimeout' | 'shutdownGraceTime'
>;

export async function runWorkers(options: {
  config: Pick<QmtlConfig, 'temporalNamespace' | 'workerQueues'> &
    Partial<Pick<QmtlConfig, 'venueRateLimits' | 'reconcileIntervalMs' | 'orphanPolicy'>>;
  connection: NativeConnection;
  store: Store;
  log: Logger;
  /** Market-data venues for backfills; default: a registry with `sim` and public ccxt access. */
  venues?: VenueLookup;
  tuning?: WorkerTuning;
  /** Custom node types these workers compute (workers/plugins.ts). */
  plugins?: readonly LoadedPlugin[];
  /** Trading side of the venues; default: activities/index.ts's (sim accounts on the wall clock). */
  orderVenues?: OrderVenueLookup;
}): Promise<RunningWorkers> {
  const { config, connection, store, log } = options;
  installTemporalRuntime(log);
  const bundle = await workflowBundle();
  // Per-exchange chunk queues where this process serves qmtl-data (every data worker must share the limits).
  const venueLimits = config.workerQueues.includes(DATA_QUEUE) ? config.venueRateLimits : undefined;
  // Activities that start or await workflows (Seamless fetches) use the workers' own connection.
  const client = new Client({ connection, namespace: config.temporalNamespace });
  const activities = createActivities({
    store,
    venues: options.venues ?? new VenueRegistry(),
    client,
    ...(venueLimits ? { chunkQueueOf: chunkQueueRouter(venueLimits) } : {}),
    plugins: options.plugins,
    orderVenues: options.orderVenues,
  });
  const workers = await Promise.all(
    config.workerQueues.map((taskQueue) =>
      Worker.create({
        connection,
        namespace: config.temporalNamespace,
        taskQueue,
        workflowBundle: bundle,
        activities,
        // Heartbeats carry backfill cursors and deliver cancellation: flushed at least every second,
        // a crash refetches at most a second of pages and a cancel is seen within a second.
        maxHeartbeatThrottleInterval: '1 second',
        ...options.tuning,
      }),
    ),
  );
  const taskQueues: string[] = [...config.workerQueues];
  if (venueLimits) {
    workers.push(
      ...(await createVenueWorkers({
        connection,
        namespace: config.temporalNamespace,
        limits: venueLimits,
        fetchChunk: activities.fetchChunk,
        settings: { maxHeartbeatThrottleInterval: '1 second', ...options.tuning },
      })),
    );
    taskQueues.push(...Object.keys(venueLimits).map(venueTaskQueue));
  }
  const done = Promise.all(
    workers.map((worker, i) =>
      worker.run().catch((err: unknown) => {
        log.error({ err, taskQueue: taskQueues[i] }, 'worker stopped with an error');
        throw err;
      }),
    ),
  ).then(() => undefined);
  log.info({ taskQueues, venueRateLimits: venueLimits }, 'workers polling');
  if (config.workerQueues.includes(EXEC_QUEUE)) {
    // Reconcile every venue account at start (SPEC §8), in the background: a failure is logged, not fatal.
    const reconcile = {
      reconcileIntervalMs: config.reconcileIntervalMs ?? RECONCILE_DEFAULTS.reconcileIntervalMs,
      orphanPolicy: config.orphanPolicy ?? RECONCILE_DEFAULTS.orphanPolicy,
    };
    startReconcilers({ client, store, config: reconcile, log }).catch((err: unknown) =>
      log.warn({ err }, 'reconciliation at start failed'),
    );
  }
  return {
    done,
    async shutdown() {
      for (const worker of workers) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
      }
      await done.catch(() => undefined);
    },
  };
}
