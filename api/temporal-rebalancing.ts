/**
 * The Gateway's door to the allocation and rebalance workflows (SPEC §9):
 * start `alloc:{runId}` / `rebalance:{runId}` once, and wait for their answer
 * for a bounded time. Waiting polls `describe` instead of holding a long-poll
 * open, so an answer that takes too long leaves nothing behind: the caller
 * answers 202 and the client polls.
 */
import { workflowStatus } from './workflow-status';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import {
  allocationWorkflowId,
  rebalanceWorkflowId,
  type AllocationInput,
  type AllocationResult,
  type RebalanceInput,
  type RebalanceResult,
} from '../workflows/rebalance-messages';
import { QmtlWorldId } from '../workflows/search-attributes';
import { CONTROL_QUEUE, EXEC_QUEUE } from '../workflows/task-queues';

export type WorkflowOutcome<T> =
  { status: 'running' } | { status: 'completed'; result: T } | { status: 'failed'; detail: string };

export interface RebalancingControl {
  /** Starts `rebalance:{runId}`; `created: false` when the run id was used before, with that run's body hash. */
  startRebalance(
    input: RebalanceInput,
    meta: { worldIds: string[]; bodyHash: string },
  ): Promise<{ created: boolean; bodyHash?: string }>;
  /** Starts `alloc:{runId}` unless it was started before (the store's claim decided it is the same body). */
  startAllocation(input: AllocationInput): Promise<void>;
  /** Waits up to `ms` for the run to end; undefined for an unknown run id. */
  rebalance(runId: string, ms: number): Promise<WorkflowOutcome<RebalanceResult> | undefined>;
  allocation(runId: string, ms: number): Promise<WorkflowOutcome<AllocationResult> | undefined>;
}

const POLL_MS = 100;
const BODY_HASH_MEMO = 'body_hash';

export function temporalRebalancing(client: Client): RebalancingControl {
  return {
    async startRebalance(input, meta) {
      try {
        await client.workflow.start('rebalanceWorkflow', {
          workflowId: rebalanceWorkflowId(input.runId),
          taskQueue: EXEC_QUEUE,
          args: [input],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          memo: { [BODY_HASH_MEMO]: meta.bodyHash },
          typedSearchAttributes: new TypedSearchAttributes([{ key: QmtlWorldId, value: meta.worldIds }]),
          staticSummary: `Rebalance ${input.runId}: ${input.orders.length} order(s) in ${meta.worldIds.join(', ')}`,
        });
        return { created: true };
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        const { memo } = await client.workflow.getHandle(rebalanceWorkflowId(input.runId)).describe();
        const bodyHash = memo?.[BODY_HASH_MEMO];
        return { created: false, ...(typeof bodyHash === 'string' && { bodyHash }) };
      }
    },

    async startAllocation(input) {
      try {
        await client.workflow.start('allocationWorkflow', {
          workflowId: allocationWorkflowId(input.runId),
          taskQueue: CONTROL_QUEUE,
          args: [input],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          typedSearchAttributes: new TypedSearchAttributes([
            { key: QmtlWorldId, value: Object.keys(input.request.world_allocations) },
          ]),
          staticSummary: `Allocation ${input.runId}${input.request.execute ? ' + rebalance' : ''}`,
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    },

    rebalance: (runId, ms) =>
      waitFor<RebalanceResult>(client.workflow.getHandle(rebalanceWorkflowId(runId)), ms),
    allocation: (runId, ms) =>
      waitFor<AllocationResult>(client.workflow.getHandle(allocationWorkflowId(runId)), ms),
  };
}

async function waitFor<T>(handle: WorkflowHandle, ms: number): Promise<WorkflowOutcome<T> | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const status = await workflowStatus(handle);
    if (status === undefined) return undefined;
    if (status === 'COMPLETED') return { status: 'completed', result: (await handle.result()) as T };
    if (status !== 'RUNNING' && status !== 'CONTINUED_AS_NEW') {
      const detail = await handle.result().then(
        () => status,
        (err: Error) => (err.cause as Error | undefined)?.message ?? err.message,
      );
      return { status: 'failed', detail };
    }
    if (Date.now() >= deadline) return { status: 'running' };
    await sleep(POLL_MS);
  }
}
