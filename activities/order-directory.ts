/**
 * Which order workflows are running for a venue or a world, for
 * reconciliation and the kill switch. The production directory asks
 * Temporal's visibility store, which is eventually consistent: an order
 * started a moment ago may be missing, so callers treat the answer as a
 * lower bound and check a single order directly before acting on its absence.
 */
import type { Client } from '@temporalio/client';

export type OrderDirectoryScope = { venue: string } | { worldId: string };

export interface RunningOrder {
  /** `order:{clientOrderId}`. */
  workflowId: string;
  /** When the workflow started, epoch ms. */
  startedAt: number;
}

export interface OrderDirectory {
  runningOrders(scope: OrderDirectoryScope): Promise<RunningOrder[]>;
}

/** Values go into a visibility query between quotes: ids in this project never hold one. */
function quoted(value: string): string {
  if (!/^[\w.:/@-]+$/.test(value)) throw new RangeError(`not a plain id: ${JSON.stringify(value)}`);
  return `'${value}'`;
}

export function orderListQuery(scope: OrderDirectoryScope): string {
  const where =
    'venue' in scope ? `QmtlVenue=${quoted(scope.venue)}` : `QmtlWorldId=${quoted(scope.worldId)}`;
  return `WorkflowType='orderWorkflow' AND ExecutionStatus='Running' AND ${where}`;
}

export function visibilityOrderDirectory(client: Client): OrderDirectory {
  return {
    async runningOrders(scope) {
      const found: RunningOrder[] = [];
      for await (const execution of client.workflow.list({ query: orderListQuery(scope) })) {
        found.push({ workflowId: execution.workflowId, startedAt: execution.startTime.getTime() });
      }
      return found.sort((a, b) => a.workflowId.localeCompare(b.workflowId));
    },
  };
}
