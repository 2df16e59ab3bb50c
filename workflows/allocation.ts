/**
 * alloc:{runId} — one allocation run (SPEC §9): read each world's fractions
 * before it, plan the rebalance (pure domain code, deterministic), send the
 * orders through the child `rebalance:{runId}` when asked to, and record the
 * answer. The Gateway claimed the run id before starting it, so a replay or a
 * conflicting body never gets here. Runs on qmtl-control (a world-level
 * decision); the child runs on qmtl-exec with the orders.
 */
import { executeChild, proxyActivities } from '@temporalio/workflow';
import type { AllocationActivities } from '../activities/allocation';
import { planRebalance, type RebalancePlan } from '../domain/world/rebalance';
import { storeCall } from './activity-options';
import { rebalanceWorkflow } from './rebalance';
import {
  rebalanceWorkflowId,
  type AllocationInput,
  type AllocationResult,
  type RebalanceResult,
} from './rebalance-messages';
import { allocationPlanInput, ordersToSubmit } from './rebalance-orders';
import { publishPortfolioSnapshots } from './portfolio-snapshot';
import { QmtlWorldId } from './search-attributes';
import { EXEC_QUEUE } from './task-queues';

const { allocationBefore, finishAllocation } = proxyActivities<AllocationActivities>(storeCall);

export async function allocationWorkflow(input: AllocationInput): Promise<AllocationResult> {
  const { runId, request } = input;
  const worldIds = Object.keys(request.world_allocations);
  const before = await allocationBefore({ worldIds });

  let plan: RebalancePlan;
  let planInput: ReturnType<typeof allocationPlanInput>;
  try {
    planInput = allocationPlanInput(request, before);
    plan = planRebalance(planInput);
  } catch (err) {
    // The plan's refusals are the client's to fix (422), not a workflow failure to retry.
    if (!(err instanceof RangeError)) throw err;
    return finish(runId, { run_id: runId, status: 'rejected', detail: err.message });
  }

  const orders = ordersToSubmit(plan, { perStrategy: false, account: request.account });
  let execution: RebalanceResult | undefined;
  if (request.execute && orders.length > 0) {
    try {
      execution = await executeChild(rebalanceWorkflow, {
        workflowId: rebalanceWorkflowId(runId),
        taskQueue: EXEC_QUEUE,
        args: [{ runId, orders, actor: input.actor }],
        typedSearchAttributes: [{ key: QmtlWorldId, value: worldIds }],
        staticSummary: `Rebalance for allocation ${runId}: ${orders.length} order(s)`,
      });
    } catch (err) {
      const detail =
        err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      return finish(runId, { run_id: runId, status: 'failed', detail: `rebalance failed: ${detail}` });
    }
  }
  return finish(runId, {
    run_id: runId,
    status: 'completed',
    world_alloc_before: planInput.world_alloc_before,
    world_alloc_after: planInput.world_alloc_after,
    plan: {
      per_world: plan.per_world,
      global_deltas: plan.global_deltas,
      orders_per_world: plan.orders_per_world,
    },
    executed: execution !== undefined,
    ...(execution && { execution }),
  });
}

async function finish(runId: string, result: AllocationResult): Promise<AllocationResult> {
  await finishAllocation({ runId, result });
  if (result.status === 'completed') await publishPortfolioSnapshots(Object.keys(result.world_alloc_after));
  return result;
}
