/**
 * The Gateway's one door into Temporal: starts, signals and queries workflows
 * by their readable ids. Routes depend on the small interfaces below, never on
 * the SDK client directly.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { World } from '../domain/world/world';
import { strategyStatusQuery, stopStrategySignal, type StrategyState } from '../workflows/strategy';
import type { strategyWorkflow } from '../workflows/strategy';
import type { worldWorkflow } from '../workflows/world';
import { worldQuery } from '../workflows/world';
import { QmtlMode, QmtlStatus, QmtlStrategyId, QmtlWorldId } from '../workflows/search-attributes';
import { CONTROL_QUEUE } from '../workflows/task-queues';

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

export class TemporalGateway implements StrategyControl, WorldControl {
  constructor(
    readonly client: Client,
    readonly namespace: string,
    readonly address?: string,
  ) {}

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
