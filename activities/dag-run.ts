/**
 * Activities of the DAG run workflow around the node computations: plan a run
 * from the stored strategy (registering its nodes), and keep the run's record
 * for the API. Input data comes from the Seamless `fetchSeries` activity
 * (activities/seamless.ts). The workflow sees plans, ids and counts.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { parseLossless } from '../domain/canonical-json';
import { acceptDag, isIntakeError } from '../domain/dag/intake';
import { nodeIdentity } from '../domain/dag/node-id';
import { BUILTIN_CATALOG, nodeTypeProblem, type NodeTypeCatalog } from '../domain/dag/node-types';
import type { NodeLibrary } from '../domain/nodes/library';
import { planRun as planBacktest, type RunPlan } from '../domain/run/plan';
import type { RunMode } from '../domain/run/run-id';
import { nodeRecordsOf } from './node-records';
import type { RunRecord, Store } from './store/port';

export interface PlanRunRequest {
  strategyId: string;
  worldId: string;
  mode: RunMode;
  /** The run's start (workflow time), for the default window. */
  startedAtMs: number;
}

export function createDagRunActivities({
  store,
  library,
  catalog = BUILTIN_CATALOG,
}: {
  store: Store;
  /** Built-ins and this worker's plugins (default: built-ins). */
  library?: NodeLibrary;
  /** The code each node type runs here: a node made for other plugin code is refused, not recomputed. */
  catalog?: NodeTypeCatalog;
}) {
  return {
    async planRun(request: PlanRunRequest): Promise<RunPlan> {
      const record = await store.strategies.get(request.strategyId);
      if (!record) {
        throw ApplicationFailure.nonRetryable(
          `strategy ${request.strategyId} is not in the store`,
          'NotFound',
        );
      }
      const accepted = acceptDag(parseLossless(record.dagJson), 'dag');
      if (isIntakeError(accepted)) throw ApplicationFailure.nonRetryable(accepted.detail, 'InvalidInput');
      // The Gateway checked code hashes at intake, but this worker may run newer plugin code since.
      const stale = accepted.dag.nodes
        .map((node) => nodeTypeProblem(catalog, node.node_type, node.code_hash))
        .find((problem) => problem !== undefined);
      if (stale) throw ApplicationFailure.nonRetryable(stale, 'E_NODE_TYPE_UNKNOWN');
      const identities = accepted.nodes.map(nodeIdentity);
      // Runs read nodes from the registry; a strategy stored without registering them (started by hand) still runs.
      await store.nodes.registerAll(
        nodeRecordsOf(accepted, request.strategyId, new Date().toISOString(), identities),
      );
      const plan = planBacktest({
        nodes: accepted.dag.nodes.map((node, i) => ({
          node_id: node.node_id,
          node_type: node.node_type,
          // The identity params: what the registry keeps and computeNode computes with.
          params: JSON.parse(identities[i]!.paramsJson) as unknown,
          dependencies: node.dependencies,
        })),
        meta: record.meta,
        worldId: request.worldId,
        mode: request.mode,
        startedAtMs: request.startedAtMs,
        library,
      });
      if ('error' in plan) throw ApplicationFailure.nonRetryable(plan.error, 'InvalidInput');
      return plan;
    },

    async recordRun(record: Omit<RunRecord, 'updatedAt'>): Promise<void> {
      await store.runs.put({ ...record, updatedAt: new Date().toISOString() });
    },
  };
}

export type DagRunActivities = ReturnType<typeof createDagRunActivities>;
