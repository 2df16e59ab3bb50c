/**
 * The Gateway's one door into Temporal: starts, signals and queries workflows
 * by their readable ids. Routes depend on the small interfaces below, never on
 * the SDK client directly.
 */
import { workflowStatus } from './workflow-status';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, TypedSearchAttributes } from '@temporalio/common';
import { startOrJoinBackfill } from '../activities/backfill-start';
import type { BarRange, OhlcvSource } from '../domain/data/bars';
import type { PolicyDocument } from '../domain/world/policy';
import type { World } from '../domain/world/world';
import {
  backfillProgressQuery,
  cancelBackfillSignal,
  pauseBackfillSignal,
  resumeBackfillSignal,
  type BackfillProgress,
  type backfillWorkflow,
} from '../workflows/backfill';
import { strategyStatusQuery, stopStrategySignal, type StrategyState } from '../workflows/strategy';
import type { strategyWorkflow } from '../workflows/strategy';
import type { worldWorkflow } from '../workflows/world';
import {
  addPolicyUpdate,
  setDefaultPolicyUpdate,
  worldPoliciesQuery,
  worldQuery,
  type WorldPolicies,
} from '../workflows/world';
import { conflict, notFound } from './errors';
import { QmtlMode, QmtlStatus, QmtlStrategyId, QmtlWorldId } from '../workflows/search-attributes';
import { CONTROL_QUEUE } from '../workflows/task-queues';
import { TemporalOrders, type OrderControl } from './temporal-orders';
import { TemporalWorlds, worldRefusalProblem, type WorldServiceControl } from './temporal-worlds';
import { runProgress, strategyStatuses, type RunControl } from './temporal-runs';

export const strategyWorkflowId = (strategyId: string): string => `strategy:${strategyId}`;
export const worldWorkflowId = (worldId: string): string => `world:${worldId}`;

export type StartOutcome = 'started' | 'already-started';

export interface StrategyControl {
  startStrategy(input: {
    strategyId: string;
    worldIds: string[];
    owner: string;
    submittedAt: string;
    nodeCount: number;
  }): Promise<StartOutcome>;
  /** Undefined when no such workflow exists. */
  strategyState(strategyId: string): Promise<StrategyState | undefined>;
  stopStrategy(strategyId: string, reason: string): Promise<boolean>;
}

export interface WorldControl {
  createWorld(world: World): Promise<StartOutcome>;
  world(worldId: string): Promise<World | undefined>;
}

/** Policy versions of a world; apart from WorldControl so readers of worlds need not fake it. */
export interface WorldPolicyControl {
  /** Undefined when no such world exists. */
  worldPolicies(worldId: string): Promise<WorldPolicies | undefined>;
  /** Throws 404 for an unknown world, 409 when the world refuses (retired, too many versions). */
  addWorldPolicy(worldId: string, policy: PolicyDocument, actor: string): Promise<{ version: number }>;
  /** Throws 404 for an unknown world or version. */
  setDefaultWorldPolicy(
    worldId: string,
    version: number,
    actor: string,
  ): Promise<{ default_version: number }>;
}

/** A backfill as the API reports it: the workflow's own status folded into four. */
export interface BackfillView {
  backfillId: string;
  status: 'running' | 'completed' | 'failed' | 'canceled';
  /** The workflow's progress; undefined while it has not answered yet (just started). */
  progress?: BackfillProgress;
  error?: string;
}

export type BackfillAction = 'pause' | 'resume' | 'cancel';

export interface BackfillControl {
  /**
   * Starts `backfill:{nodeId}:{start}:{end}` unless it is running: concurrent
   * requests for one range share one workflow (single flight). A finished one
   * is started afresh; it then finds the range covered and ends at once.
   */
  startBackfill(input: {
    nodeId: string;
    window: BarRange;
    source: OhlcvSource;
  }): Promise<{ backfillId: string }>;
  /** Undefined when no such workflow exists. */
  backfill(backfillId: string): Promise<BackfillView | undefined>;
  /** False when no such running workflow exists. */
  signalBackfill(backfillId: string, action: BackfillAction, reason?: string): Promise<boolean>;
}

export class TemporalGateway
  implements
    StrategyControl,
    WorldControl,
    WorldPolicyControl,
    WorldServiceControl,
    BackfillControl,
    RunControl,
    OrderControl
{
  // Orders and the WorldService have their own doors (api/temporal-orders.ts,
  // api/temporal-worlds.ts); the methods below delegate to them.
  private readonly orders: TemporalOrders;
  private readonly worlds: TemporalWorlds;

  constructor(
    readonly client: Client,
    readonly namespace: string,
    readonly address?: string,
  ) {
    this.orders = new TemporalOrders(client);
    this.worlds = new TemporalWorlds(client);
  }

  worldSnapshot: WorldServiceControl['worldSnapshot'] = (id) => this.worlds.worldSnapshot(id);
  listWorlds: WorldServiceControl['listWorlds'] = (options) => this.worlds.listWorlds(options);
  worldWrite: WorldServiceControl['worldWrite'] = (id, name, arg) => this.worlds.worldWrite(id, name, arg);
  startApply: WorldServiceControl['startApply'] = (input) => this.worlds.startApply(input);
  applyStatus: WorldServiceControl['applyStatus'] = (id, runId) => this.worlds.applyStatus(id, runId);
  ackApply: WorldServiceControl['ackApply'] = (id, runId, ack) => this.worlds.ackApply(id, runId, ack);

  placeOrder: OrderControl['placeOrder'] = (input) => this.orders.placeOrder(input);
  order: OrderControl['order'] = (id) => this.orders.order(id);
  cancelOrder: OrderControl['cancelOrder'] = (id, reason) => this.orders.cancelOrder(id, reason);
  replaceOrder: OrderControl['replaceOrder'] = (id, request) => this.orders.replaceOrder(id, request);
  ingestFill: OrderControl['ingestFill'] = (id, fill) => this.orders.ingestFill(id, fill);
  account: OrderControl['account'] = (venue, account) => this.orders.account(venue, account);

  async checkHealth(): Promise<{ ok: boolean; detail?: string }> {
    try {
      await this.client.workflowService.getSystemInfo({});
      return { ok: true };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  async startStrategy(input: {
    strategyId: string;
    worldIds: string[];
    owner: string;
    submittedAt: string;
    nodeCount: number;
  }): Promise<StartOutcome> {
    const { nodeCount, ...args } = input;
    return startOnce(() =>
      this.client.workflow.start<typeof strategyWorkflow>('strategyWorkflow', {
        workflowId: strategyWorkflowId(input.strategyId),
        taskQueue: CONTROL_QUEUE,
        args: [args],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: new TypedSearchAttributes([
          { key: QmtlStrategyId, value: input.strategyId },
          { key: QmtlWorldId, value: input.worldIds },
          { key: QmtlMode, value: 'backtest' },
          { key: QmtlStatus, value: 'queued' },
        ]),
        staticSummary: `Strategy ${input.strategyId.slice(0, 12)}… (${nodeCount} nodes) → ${input.worldIds.join(', ')}`,
      }),
    );
  }

  async strategyState(strategyId: string): Promise<StrategyState | undefined> {
    return queryOrUndefined(this.client.workflow.getHandle(strategyWorkflowId(strategyId)), (h) =>
      h.query(strategyStatusQuery),
    );
  }

  async stopStrategy(strategyId: string, reason: string): Promise<boolean> {
    try {
      await this.client.workflow
        .getHandle(strategyWorkflowId(strategyId))
        .signal(stopStrategySignal, { reason });
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  async createWorld(world: World): Promise<StartOutcome> {
    return startOnce(() =>
      this.client.workflow.start<typeof worldWorkflow>('worldWorkflow', {
        workflowId: worldWorkflowId(world.id),
        taskQueue: CONTROL_QUEUE,
        args: [{ world }],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: new TypedSearchAttributes([{ key: QmtlWorldId, value: [world.id] }]),
        staticSummary: `World ${world.id}${world.allow_live ? ' (live allowed)' : ''}`,
      }),
    );
  }

  async world(worldId: string): Promise<World | undefined> {
    return queryOrUndefined(this.client.workflow.getHandle(worldWorkflowId(worldId)), (h) =>
      h.query(worldQuery),
    );
  }

  async worldPolicies(worldId: string): Promise<WorldPolicies | undefined> {
    return queryOrUndefined(this.client.workflow.getHandle(worldWorkflowId(worldId)), (h) =>
      h.query(worldPoliciesQuery),
    );
  }

  addWorldPolicy(worldId: string, policy: PolicyDocument, actor: string): Promise<{ version: number }> {
    return this.worldUpdate(worldId, (h) => h.executeUpdate(addPolicyUpdate, { args: [{ policy, actor }] }));
  }

  setDefaultWorldPolicy(
    worldId: string,
    version: number,
    actor: string,
  ): Promise<{ default_version: number }> {
    return this.worldUpdate(worldId, (h) =>
      h.executeUpdate(setDefaultPolicyUpdate, { args: [{ version, actor }] }),
    );
  }

  /** Policy updates; refusals map through the WorldService's one table (api/temporal-worlds.ts). */
  private async worldUpdate<T>(worldId: string, call: (h: WorkflowHandle) => Promise<T>): Promise<T> {
    try {
      return await call(this.client.workflow.getHandle(worldWorkflowId(worldId)));
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure)
        throw worldRefusalProblem(worldId, err.cause);
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // The server says "not found" for a finished (retired) world too; a query tells them apart.
      if (!(await this.world(worldId))) throw notFound('world', worldId);
      throw conflict(`world '${worldId}' is retired`, { world_id: worldId, reason: 'WORLD_RETIRED' });
    }
  }

  async startBackfill(input: {
    nodeId: string;
    window: BarRange;
    source: OhlcvSource;
  }): Promise<{ backfillId: string }> {
    const { backfillId } = await startOrJoinBackfill(this.client, input);
    return { backfillId };
  }

  async backfill(backfillId: string): Promise<BackfillView | undefined> {
    const handle = this.client.workflow.getHandle<typeof backfillWorkflow>(backfillId);
    const status = await workflowStatus(handle);
    if (status === undefined) return undefined;
    switch (status) {
      case 'RUNNING':
        return {
          backfillId,
          status: 'running',
          progress: await handle.query(backfillProgressQuery).catch(() => undefined),
        };
      case 'COMPLETED': {
        const progress = await handle.result();
        const canceled = progress.status === 'canceled';
        return { backfillId, status: canceled ? 'canceled' : 'completed', progress, error: progress.error };
      }
      case 'FAILED':
      case 'TIMED_OUT':
        return { backfillId, status: 'failed', ...(await failureOf(handle)) };
      default: // CANCELLED, TERMINATED: stopped from outside the workflow
        return { backfillId, status: 'canceled', error: `workflow ${status.toLowerCase()}` };
    }
  }

  async signalBackfill(backfillId: string, action: BackfillAction, reason?: string): Promise<boolean> {
    const handle = this.client.workflow.getHandle(backfillId);
    try {
      if (action === 'pause') await handle.signal(pauseBackfillSignal);
      else if (action === 'resume') await handle.signal(resumeBackfillSignal);
      else await handle.signal(cancelBackfillSignal, { reason });
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  strategyStatuses(strategyIds: readonly string[]): ReturnType<RunControl['strategyStatuses']> {
    return strategyStatuses(this.client, strategyIds);
  }

  runProgress(runId: string): ReturnType<RunControl['runProgress']> {
    return runProgress(this.client, runId);
  }
}

/** A failed backfill carries its progress in the failure's details (workflows/backfill.ts). */
async function failureOf(handle: WorkflowHandle): Promise<{ progress?: BackfillProgress; error: string }> {
  try {
    await handle.result();
    return { error: 'unknown failure' };
  } catch (err) {
    const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
    if (cause instanceof ApplicationFailure) {
      const progress = cause.details?.[0] as BackfillProgress | undefined;
      return { progress, error: progress?.error ?? cause.message };
    }
    return { error: cause?.message ?? (err as Error).message };
  }
}

async function startOnce(start: () => Promise<unknown>): Promise<StartOutcome> {
  try {
    await start();
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already-started';
    throw err;
  }
}

async function queryOrUndefined<T>(
  handle: WorkflowHandle,
  query: (handle: WorkflowHandle) => Promise<T>,
): Promise<T | undefined> {
  try {
    return await query(handle);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}
