/**
 * The Gateway's WorldService door into Temporal (SPEC §9): reads the
 * `world:{id}` snapshot by query, writes by Update, starts and reads
 * `apply:{world}:{run}` workflows. A world's refusals (ApplicationFailure types
 * in WORLD_REFUSALS) become problem answers here, in one table.
 */
import { workflowStatus } from './workflow-status';
import {
  WorkflowExecutionAlreadyStartedError,
  QueryNotRegisteredError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, TypedSearchAttributes, type UpdateDefinition } from '@temporalio/common';
import {
  applyAckSignal,
  applyStatusQuery,
  type AckInput,
  type ApplyStatus,
  type ApplyWorkflowInput,
} from '../workflows/apply-messages';
import { QmtlWorldId } from '../workflows/search-attributes';
import { upgradeWorldSignal } from '../workflows/world-legacy';
import { CONTROL_QUEUE } from '../workflows/task-queues';
import {
  WORLD_REFUSALS,
  applyWorkflowId,
  beginApplyUpdate,
  bindStrategiesUpdate,
  decidePromotionUpdate,
  deleteWorldUpdate,
  recordEvaluationUpdate,
  requestPromotionUpdate,
  updateWorldUpdate,
  worldSnapshotQuery,
  worldWorkflowId,
  writeActivationUpdate,
  type WorldSnapshot,
} from '../workflows/world-messages';
import { ProblemError, conflict, notFound } from './errors';

/** Argument and result types of a world Update, read off its definition. */
type UpdateArg<U> = U extends UpdateDefinition<unknown, [infer A]> ? A : never;
type UpdateRet<U> = U extends UpdateDefinition<infer R, infer _Args> ? R : never;

type Updates = {
  updateWorld: typeof updateWorldUpdate;
  deleteWorld: typeof deleteWorldUpdate;
  bindStrategies: typeof bindStrategiesUpdate;
  recordEvaluation: typeof recordEvaluationUpdate;
  writeActivation: typeof writeActivationUpdate;
  beginApply: typeof beginApplyUpdate;
  requestPromotion: typeof requestPromotionUpdate;
  decidePromotion: typeof decidePromotionUpdate;
};

const UPDATES: Updates = {
  updateWorld: updateWorldUpdate,
  deleteWorld: deleteWorldUpdate,
  bindStrategies: bindStrategiesUpdate,
  recordEvaluation: recordEvaluationUpdate,
  writeActivation: writeActivationUpdate,
  beginApply: beginApplyUpdate,
  requestPromotion: requestPromotionUpdate,
  decidePromotion: decidePromotionUpdate,
};

export type WorldUpdateName = keyof Updates;

export interface WorldServiceControl {
  /** Undefined when no such world exists. */
  worldSnapshot(worldId: string): Promise<WorldSnapshot | undefined>;
  /**
   * Snapshots by world id: running worlds, plus ended (deleted) ones when asked.
   * Needs a visibility store (the dev server has one; the time-skipping server does not).
   */
  listWorlds(options: { limit: number; includeEnded: boolean }): Promise<WorldSnapshot[]>;
  /** Runs one world Update; refusals arrive as ProblemErrors (see REFUSAL_PROBLEMS). */
  worldWrite<K extends WorldUpdateName>(
    worldId: string,
    name: K,
    arg: UpdateArg<Updates[K]>,
  ): Promise<UpdateRet<Updates[K]>>;
  /** Starts `apply:{world}:{run}`; an existing one (running or finished) is left as it is. */
  startApply(input: ApplyWorkflowInput): Promise<'started' | 'already-started'>;
  /** Undefined when no such apply run exists. */
  applyStatus(worldId: string, runId: string): Promise<ApplyStatus | undefined>;
  /** 404 for an unknown run, 409 when the run has ended. */
  ackApply(worldId: string, runId: string, ack: AckInput): Promise<void>;
}

/** Status, code and title of each refusal; anything else a world refuses is a 409. */
const REFUSAL_PROBLEMS: Record<string, [number, string, string]> = {
  [WORLD_REFUSALS.deleted]: [409, 'E_CONFLICT', 'World deleted'],
  [WORLD_REFUSALS.etagMismatch]: [412, 'E_PRECONDITION_FAILED', 'Precondition failed'],
  [WORLD_REFUSALS.liveNotAllowed]: [403, 'E_LIVE_NOT_ALLOWED', 'Live not allowed'],
  [WORLD_REFUSALS.hasActive]: [409, 'E_CONFLICT', 'World has active strategies'],
  [WORLD_REFUSALS.applyInProgress]: [409, 'E_CONFLICT', 'Apply in progress'],
  [WORLD_REFUSALS.applyState]: [409, 'E_CONFLICT', 'Apply refused'],
  [WORLD_REFUSALS.governance]: [409, 'E_CONFLICT', 'Blocked by governance'],
  [WORLD_REFUSALS.noPromotion]: [404, 'E_NOT_FOUND', 'No pending promotion'],
  [WORLD_REFUSALS.invalid]: [422, 'E_WORLD_WRITE_INVALID', 'World write invalid'],
  UNKNOWN_POLICY_VERSION: [404, 'E_NOT_FOUND', 'Not found'],
};

/** The problem for a world's refusal; its first detail, when an object, adds members (blockers, run ids). */
export function worldRefusalProblem(worldId: string, failure: ApplicationFailure): ProblemError {
  const type = failure.type ?? 'WORLD_REFUSED';
  const [status, code, title] = REFUSAL_PROBLEMS[type] ?? [409, 'E_CONFLICT', 'Conflict'];
  const detail = failure.details?.[0];
  const extra = detail !== null && typeof detail === 'object' && !Array.isArray(detail) ? detail : {};
  return new ProblemError(status, code, title, failure.message, {
    ...extra,
    world_id: worldId,
    reason: type,
  });
}

const deletedFailure = (worldId: string) =>
  ApplicationFailure.nonRetryable(`world ${worldId} is deleted`, WORLD_REFUSALS.deleted);

export class TemporalWorlds implements WorldServiceControl {
  constructor(private readonly client: Client) {}

  private handle(worldId: string): WorkflowHandle {
    return this.client.workflow.getHandle(worldWorkflowId(worldId));
  }

  async worldSnapshot(worldId: string): Promise<WorldSnapshot | undefined> {
    try {
      return await this.handle(worldId).query(worldSnapshotQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      if (err instanceof QueryNotRegisteredError) return this.upgradeLegacyWorld(worldId);
      throw err;
    }
  }

  /**
   * A world started by a release before WorldService has no snapshot query:
   * ask it to continue as the v2 workflow (it carries its policies over) and
   * read the new run. A retired legacy world cannot upgrade and reads as absent.
   */
  private async upgradeLegacyWorld(worldId: string): Promise<WorldSnapshot | undefined> {
    const handle = this.handle(worldId);
    try {
      await handle.signal(upgradeWorldSignal);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        return await handle.query(worldSnapshotQuery);
      } catch (err) {
        if (!(err instanceof QueryNotRegisteredError)) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error(`world ${worldId} did not upgrade to the WorldService workflow`);
  }

  async listWorlds({
    limit,
    includeEnded,
  }: {
    limit: number;
    includeEnded: boolean;
  }): Promise<WorldSnapshot[]> {
    // Ended worlds have one execution per continue-as-new; a set keeps each id once.
    const ids = new Set<string>();
    const query = `WorkflowType = 'worldWorkflow'${includeEnded ? '' : ` AND ExecutionStatus = 'Running'`}`;
    for await (const run of this.client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
      if (run.workflowId.startsWith('world:')) ids.add(run.workflowId.slice('world:'.length));
      if (ids.size >= limit) break;
    }
    const snapshots = await Promise.all([...ids].map((id) => this.worldSnapshot(id).catch(() => undefined)));
    return snapshots
      .filter((s): s is WorldSnapshot => s !== undefined)
      .sort((a, b) => (a.world.id < b.world.id ? -1 : 1));
  }

  async worldWrite<K extends WorldUpdateName>(
    worldId: string,
    name: K,
    arg: UpdateArg<Updates[K]>,
  ): Promise<UpdateRet<Updates[K]>> {
    try {
      const update = UPDATES[name] as unknown as typeof updateWorldUpdate;
      return (await this.handle(worldId).executeUpdate(update, {
        args: [arg as UpdateArg<typeof updateWorldUpdate>],
      })) as UpdateRet<Updates[K]>;
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure)
        throw worldRefusalProblem(worldId, err.cause);
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // "Not found" also means an ended (deleted or retired) world; a query tells them apart.
      const ended = await this.worldSnapshot(worldId).catch(() => undefined);
      if (!ended) throw notFound('world', worldId);
      if (ended.deleted) throw worldRefusalProblem(worldId, deletedFailure(worldId));
      throw conflict(`world '${worldId}' is retired`, { world_id: worldId, reason: 'WORLD_RETIRED' });
    }
  }

  async startApply(input: ApplyWorkflowInput): Promise<'started' | 'already-started'> {
    try {
      await this.client.workflow.start('applyWorkflow', {
        workflowId: applyWorkflowId(input.world_id, input.run_id),
        taskQueue: CONTROL_QUEUE,
        args: [input],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: new TypedSearchAttributes([{ key: QmtlWorldId, value: [input.world_id] }]),
        staticSummary: `Apply ${input.run_id} on world ${input.world_id}${input.require_acks ? '' : ' (no acks)'}`,
      });
      return 'started';
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already-started';
      throw err;
    }
  }

  async applyStatus(worldId: string, runId: string): Promise<ApplyStatus | undefined> {
    const handle = this.client.workflow.getHandle(applyWorkflowId(worldId, runId));
    const status = await workflowStatus(handle);
    if (status === undefined) return undefined;
    // A finished run answers with its result; a running one (or a failed one) by query.
    if (status === 'COMPLETED') return (await handle.result()) as ApplyStatus;
    return handle.query(applyStatusQuery);
  }

  async ackApply(worldId: string, runId: string, ack: AckInput): Promise<void> {
    const handle = this.client.workflow.getHandle(applyWorkflowId(worldId, runId));
    try {
      await handle.signal(applyAckSignal, ack);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      if (!(await this.applyStatus(worldId, runId))) throw notFound('apply run', runId);
      throw conflict(`apply run '${runId}' has ended`, {
        world_id: worldId,
        run_id: runId,
        reason: WORLD_REFUSALS.applyState,
      });
    }
  }
}
