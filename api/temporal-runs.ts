/**
 * Reads about strategies and runs that Temporal answers: a page of strategy
 * statuses at once (visibility, which every strategy workflow keeps current
 * through `QmtlStatus`), and a run's live progress (its query). The
 * TemporalGateway exposes them as RunControl; routes never see the client.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { STRATEGY_STATUSES, type StrategyStatus } from '../domain/strategy/lifecycle';
import { dagRunProgressQuery, type DagRunProgress } from '../workflows/dag-run';
import { QmtlStatus } from '../workflows/search-attributes';
import { strategyStatusQuery } from '../workflows/strategy';

export interface RunControl {
  /** Status per strategy id; ids whose workflow is unknown are absent. */
  strategyStatuses(strategyIds: readonly string[]): Promise<Map<string, StrategyStatus>>;
  /** A run's progress while its workflow can answer; undefined when there is no such workflow. */
  runProgress(runId: string): Promise<DagRunProgress | undefined>;
}

const isStrategyStatus = (value: unknown): value is StrategyStatus =>
  (STRATEGY_STATUSES as readonly unknown[]).includes(value);

/**
 * One visibility query for the page; a workflow not indexed yet (started a
 * moment ago) is asked directly, so a fresh submission never reads as missing.
 */
export async function strategyStatuses(
  client: Client,
  strategyIds: readonly string[],
): Promise<Map<string, StrategyStatus>> {
  const statuses = new Map<string, StrategyStatus>();
  if (strategyIds.length === 0) return statuses;
  // Ids are 64 hex digits (validated by the store), so quoting them needs no escaping.
  const ids = strategyIds.map((id) => `'strategy:${id}'`).join(', ');
  for await (const execution of client.workflow.list({ query: `WorkflowId IN (${ids})` })) {
    const status = execution.typedSearchAttributes.get(QmtlStatus);
    if (isStrategyStatus(status)) statuses.set(execution.workflowId.slice('strategy:'.length), status);
  }
  for (const id of strategyIds.filter((s) => !statuses.has(s))) {
    const state = await ask(client, `strategy:${id}`, (h) => h.query(strategyStatusQuery));
    if (state) statuses.set(id, state.status);
  }
  return statuses;
}

export async function runProgress(client: Client, runId: string): Promise<DagRunProgress | undefined> {
  return ask(client, runId, (h) => h.query(dagRunProgressQuery));
}

async function ask<T>(
  client: Client,
  workflowId: string,
  query: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<T>,
): Promise<T | undefined> {
  try {
    return await query(client.workflow.getHandle(workflowId));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}
