/**
 * Node computation for DAG runs (SPEC §6): one activity per node. An input
 * node's output is its stored closes, named by the bars' fingerprint; a
 * compute node's output is named by its compute key, window and input
 * fingerprints, so an output another run already stored is REUSED without
 * reading its inputs or computing anything. Outputs are artifacts; the
 * workflow only ever sees their fingerprints.
 */
import { Context, ApplicationFailure } from '@temporalio/activity';
import { computeKey, nodeOutputFingerprint, type ComputeContext } from '../domain/dag/compute-key';
import { fingerprintBars } from '../domain/data/fingerprint';
import { seriesOfNode } from '../domain/data/input-node';
import { computeNode as computeSeries, NodeComputeError, type NodeLibrary } from '../domain/nodes/library';
import type { RunWindow } from '../domain/run/window';
import type { Store } from './store/port';

/** Seams for tests: count computations, or hold a node back so a worker can be killed mid-run. */
export interface NodeComputeHooks {
  /** Awaited before a node is computed (not when its output is reused). */
  beforeCompute?(nodeId: string): Promise<void>;
  /** Called after a node's output was computed and stored. */
  onComputed?(nodeId: string): void;
}

export interface ComputeRequest {
  nodeId: string;
  /** A StreamInput node: read its bars instead of computing. */
  input: boolean;
  window: RunWindow;
  context: Omit<ComputeContext, 'datasetFingerprint'>;
  /** The dataset the node's inputs trace back to (compute nodes only). */
  datasetFingerprint?: string;
  /** Output fingerprints of the node's dependencies, in dependency order. */
  inputs: string[];
}

export interface NodeResult {
  nodeId: string;
  fingerprint: string;
  reused: boolean;
}

export const NODE_OUTPUT_KIND = 'node-output';
export const INPUT_FRAME_KIND = 'input-closes';

/** A node output as stored: one value per bar of the window (null = no value). */
export interface SeriesBody {
  start: number;
  interval_ms: number;
  values: Array<number | null>;
}

export function seriesBody(window: RunWindow, values: ArrayLike<number | null>): string {
  const out: SeriesBody = { start: window.start, interval_ms: window.intervalMs, values: [] };
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out.values.push(v === null || v === undefined || !Number.isFinite(v) ? null : v);
  }
  return JSON.stringify(out);
}

export async function readSeries(store: Store, fingerprint: string): Promise<SeriesBody> {
  const artifact = await store.artifacts.get(fingerprint);
  if (!artifact) {
    throw ApplicationFailure.nonRetryable(`node output ${fingerprint} is not in the store`, 'NotFound');
  }
  return JSON.parse(artifact.body) as SeriesBody;
}

export function createNodeComputeActivities(deps: {
  store: Store;
  hooks?: NodeComputeHooks;
  /** Built-ins and this worker's plugins (default: built-ins). */
  library?: NodeLibrary;
}) {
  const { store, hooks = {}, library } = deps;

  /** Closes on the window's grid; missing bars are null. */
  async function readInput(request: ComputeRequest): Promise<NodeResult> {
    const node = await store.nodes.get(request.nodeId);
    if (!node) throw ApplicationFailure.nonRetryable(`node ${request.nodeId} is not registered`, 'NotFound');
    const series = seriesOfNode(node);
    if (!series.ok) throw ApplicationFailure.nonRetryable(series.reason, 'InvalidInput');
    const { window } = request;
    const bars = await store.bars.readBars(series.seriesId, window.start, window.end + window.intervalMs);
    const fingerprint = fingerprintBars({
      nodeId: request.nodeId,
      intervalMs: window.intervalMs,
      coverage: { start: window.start, end: window.end },
      bars,
    });
    const closes: Array<number | null> = new Array((window.end - window.start) / window.intervalMs + 1).fill(
      null,
    );
    for (const bar of bars) closes[(bar.ts - window.start) / window.intervalMs] = bar.close;
    const { created } = await store.artifacts.putIfAbsent(
      fingerprint,
      INPUT_FRAME_KIND,
      seriesBody(window, closes),
    );
    return { nodeId: request.nodeId, fingerprint, reused: !created };
  }

  async function compute(request: ComputeRequest, fingerprint: string): Promise<void> {
    const node = await store.nodes.get(request.nodeId);
    if (!node) throw ApplicationFailure.nonRetryable(`node ${request.nodeId} is not registered`, 'NotFound');
    const inputs = await Promise.all(request.inputs.map((fp) => readSeries(store, fp)));
    Context.current().heartbeat();
    let values: Float64Array;
    try {
      values = computeSeries(
        node.nodeType,
        inputs.map((s) => s.values),
        JSON.parse(node.paramsJson),
        library,
      );
    } catch (err) {
      // A node that cannot compute now never will: its type, params and inputs are fixed by its id.
      if (err instanceof NodeComputeError) throw ApplicationFailure.nonRetryable(err.message, err.code);
      throw err;
    }
    await store.artifacts.putIfAbsent(fingerprint, NODE_OUTPUT_KIND, seriesBody(request.window, values));
  }

  return {
    async computeNode(request: ComputeRequest): Promise<NodeResult> {
      Context.current().heartbeat();
      if (request.input) return readInput(request);
      if (request.datasetFingerprint === undefined) {
        throw ApplicationFailure.nonRetryable(`node ${request.nodeId} has no dataset`, 'InvalidInput');
      }
      const key = computeKey(request.nodeId, {
        ...request.context,
        datasetFingerprint: request.datasetFingerprint,
      });
      const fingerprint = nodeOutputFingerprint({
        computeKey: key,
        window: request.window,
        inputs: request.inputs,
      });
      if (await store.artifacts.get(fingerprint))
        return { nodeId: request.nodeId, fingerprint, reused: true };
      await hooks.beforeCompute?.(request.nodeId);
      await compute(request, fingerprint);
      hooks.onComputed?.(request.nodeId);
      return { nodeId: request.nodeId, fingerprint, reused: false };
    },
  };
}

export type NodeComputeActivities = ReturnType<typeof createNodeComputeActivities>;
