/**
 * A backtest run's plan, from a strategy's DAG and meta (pure): the nodes in
 * the order they are computed, the inputs whose data must exist first, the
 * window, the compute context, and which node's output is traded. Everything
 * in it is ids, numbers and small strings: the plan travels through workflow
 * history, the DAG itself does not.
 */
import { paperSettingsSchema, type PaperSettingsWire } from './paper-settings';
import type { ComputeContext } from '../dag/compute-key';
import { topologicalOrder } from '../dag/graph';
import { parseOhlcvSource } from '../data/bars';
import {
  BUILTIN_LIBRARY,
  NodeComputeError,
  nodeDefinition,
  parseNodeParams,
  type NodeLibrary,
} from '../nodes/library';
import { RUN_MODE_DOMAIN, type RunMode } from './run-id';
import { runSettings, type BacktestPricing, type RunWindow } from './window';

/** A DAG node as far as planning reads it. */
export interface PlanNode {
  node_id: string;
  node_type: string;
  params: unknown;
  dependencies: readonly string[];
}

export interface PlanStep {
  nodeId: string;
  /** A StreamInput: its output is the stored bars' closes, read rather than computed. */
  input: boolean;
  dependencies: string[];
}

/** The traded node and the input whose closes price its trades. */
export interface PlanTarget {
  nodeId: string;
  priceNodeId: string;
}

export interface RunPlan {
  window: RunWindow;
  /** The compute context minus the per-node dataset fingerprint (known once the inputs are read). */
  context: Omit<ComputeContext, 'datasetFingerprint'>;
  inputs: Array<{ nodeId: string; seriesId: string }>;
  /** Topological order: each node after its dependencies. */
  steps: PlanStep[];
  /** Absent: nothing in the DAG yields target positions, so the run computes and does not trade. */
  target?: PlanTarget;
  /** Legacy percent fee: what a simulateRun given no `brokerage` charges (ADR 005). */
  feeRate: number;
  initialCash: number;
  /** The fee and fill models that price the run's fills, resolved, as JSON (meta.brokerage or fee_rate). */
  brokerage: BacktestPricing;
  /** Paper/live runs: how they trade (meta.paper); absent when the author asked nothing. */
  paper?: PaperSettingsWire;
}

/** History stays small and a run stays one workflow; bigger DAGs need batched node activities. */
export const MAX_RUN_NODES = 1000;

/** Node types whose output is a position target in [−1, 1]: tradable when no target_position node is terminal. */
export const TARGET_LIKE_TYPES: ReadonlySet<string> = new Set([
  'target_position',
  'threshold_signal',
  'crossover',
]);

export interface PlanRequest {
  nodes: readonly PlanNode[];
  meta: Record<string, unknown>;
  worldId: string;
  mode: RunMode;
  startedAtMs: number;
  /** The computations this process has: built-ins and loaded plugins (default: built-ins). */
  library?: NodeLibrary;
}

export function planRun(request: PlanRequest): RunPlan | { error: string } {
  const { nodes } = request;
  if (nodes.length > MAX_RUN_NODES) return { error: `a run takes at most ${MAX_RUN_NODES} nodes` };
  const library = request.library ?? BUILTIN_LIBRARY;
  const problem = nodes.map((n) => nodeProblem(n, library)).find((p) => p !== undefined);
  if (problem) return { error: problem };
  const inputs = nodes.filter((n) => n.node_type === 'StreamInput');
  const sources = inputs.map((n) => ({ nodeId: n.node_id, seriesId: sourceOf(n)! }));
  const intervals = new Set(sources.map((s) => parseOhlcvSource(s.seriesId)!.intervalMs));
  if (intervals.size === 0) return { error: 'the DAG reads no input (no StreamInput node)' };
  if (intervals.size > 1) return { error: 'all inputs of a run must share one bar interval' };
  const settings = runSettings(request.meta, [...intervals][0]!, request.startedAtMs);
  if ('error' in settings) return settings;

  const byId = new Map(nodes.map((n) => [n.node_id, n]));
  const order = topologicalOrder(nodes);
  const target = chooseTarget(nodes, byId);
  if (target !== undefined && 'error' in target) return target;
  const { window } = settings;
  const paper = paperSettingsOf(request.meta, request.mode);
  if (paper !== undefined && 'error' in paper) return paper;
  return {
    ...(paper !== undefined && { paper: paper.settings }),
    window,
    context: {
      worldId: request.worldId,
      executionDomain: RUN_MODE_DOMAIN[request.mode],
      // The data is as of the close of the window's last bar.
      asOf: new Date(window.end + window.intervalMs).toISOString(),
      partition: '',
    },
    inputs: sources,
    steps: order.map((id) => {
      const node = byId.get(id)!;
      return { nodeId: id, input: node.node_type === 'StreamInput', dependencies: [...node.dependencies] };
    }),
    target,
    feeRate: settings.feeRate,
    initialCash: settings.initialCash,
    brokerage: settings.brokerage,
  };
}

function sourceOf(node: PlanNode): string | undefined {
  const source = (node.params as { source?: unknown } | null)?.source;
  return typeof source === 'string' && parseOhlcvSource(source) ? source : undefined;
}

/** Why a node cannot run in a backtest, or undefined. Params are checked now, before any data is fetched. */
function nodeProblem(node: PlanNode, library: NodeLibrary): string | undefined {
  if (node.node_type === 'StreamInput') {
    return sourceOf(node) ? undefined : `node ${node.node_id}: source is not ohlcv:{exchange}:{symbol}:{tf}`;
  }
  if (node.node_type === 'TagQueryNode')
    return `node ${node.node_id}: TagQuery inputs cannot be backtested yet`;
  if (!library.has(node.node_type)) {
    return `node ${node.node_id}: node type '${node.node_type}' has no computation here`;
  }
  const arity = nodeDefinition(node.node_type, library).inputs;
  if (node.dependencies.length !== arity) {
    return `node ${node.node_id}: ${node.node_type} takes ${arity} input(s), has ${node.dependencies.length}`;
  }
  try {
    parseNodeParams(node.node_type, node.params, library);
    return undefined;
  } catch (err) {
    if (!(err instanceof NodeComputeError)) throw err;
    const issue = err.issues[0];
    return `node ${node.node_id}: ${err.message}${issue ? ` (${issue.path.join('.')}: ${issue.message})` : ''}`;
  }
}

/**
 * The traded node: the one terminal target_position node; without one, the
 * one terminal node whose output already is a position target (a signal);
 * otherwise none (a compute-only run). Its price is its one StreamInput
 * ancestor: with several it is ambiguous which instrument the target sizes,
 * so the run refuses rather than guess.
 */
function chooseTarget(
  nodes: readonly PlanNode[],
  byId: ReadonlyMap<string, PlanNode>,
): PlanTarget | { error: string } | undefined {
  const dependedOn = new Set(nodes.flatMap((n) => n.dependencies));
  const terminal = nodes.filter((n) => !dependedOn.has(n.node_id));
  const positions = terminal.filter((n) => n.node_type === 'target_position');
  const candidates =
    positions.length > 0 ? positions : terminal.filter((n) => TARGET_LIKE_TYPES.has(n.node_type));
  if (candidates.length > 1) {
    const what = positions.length > 0 ? 'target_position nodes' : 'signal nodes';
    return { error: `the DAG has ${candidates.length} terminal ${what}; a backtest trades one` };
  }
  const traded = candidates[0];
  if (traded === undefined) return undefined;
  const prices = inputAncestors(traded.node_id, byId);
  if (prices.length !== 1) {
    return {
      error: `node ${traded.node_id} reads ${prices.length} inputs; a backtest prices one instrument`,
    };
  }
  return { nodeId: traded.node_id, priceNodeId: prices[0]! };
}

function inputAncestors(nodeId: string, byId: ReadonlyMap<string, PlanNode>): string[] {
  const found = new Set<string>();
  const seen = new Set<string>();
  const stack = [nodeId];
  while (stack.length > 0) {
    const node = byId.get(stack.pop()!)!;
    if (seen.has(node.node_id)) continue;
    seen.add(node.node_id);
    if (node.node_type === 'StreamInput') found.add(node.node_id);
    stack.push(...node.dependencies);
  }
  return [...found].sort();
}

/** meta.paper for a paper or live run (a backtest places no orders); the Gateway checked it at intake. */
function paperSettingsOf(
  meta: Record<string, unknown>,
  mode: RunMode,
): { settings: PaperSettingsWire } | { error: string } | undefined {
  if (mode === 'backtest' || meta.paper === undefined) return undefined;
  const parsed = paperSettingsSchema.safeParse(meta.paper);
  if (!parsed.success) return { error: `meta.paper: ${parsed.error.issues[0]!.message}` };
  return { settings: parsed.data };
}
