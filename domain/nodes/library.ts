/**
 * The built-in node library (SPEC §6) as one registry keyed by the fixed node
 * type names: strict zod params, input arity, warm-up and the computation in both
 * forms (whole arrays for backtests, incremental for paper/live). Input node
 * types (`StreamInput`, `TagQueryNode`) read data and have no computation here.
 * A change of semantics of any entry needs a new node type name, because its
 * `code_hash` is `builtin:<node_type>` and node ids would otherwise collide.
 */
import { isLosslessNumber } from 'lossless-json';
import { z } from 'zod';
import {
  emaIncremental,
  returnsIncremental,
  rsiIncremental,
  smaIncremental,
  volatilityIncremental,
  zscoreIncremental,
  type Incremental,
  type Series,
} from './indicators';
import {
  crossoverIncremental,
  targetPositionIncremental,
  thresholdSignalIncremental,
  type CrossoverState,
} from './signals';

export const INPUT_NODE_TYPES = ['StreamInput', 'TagQueryNode'] as const;

/** One bar's inputs, in dependency order. */
export type BarInputs = readonly (number | null)[];

/** What a DAG run needs of a compute node type: built-ins and plugins alike. */
export interface ComputeDefinition<P = unknown> {
  readonly params: z.ZodType<P>;
  readonly inputs: number;
  /** Leading NaN outputs on gap-free input: bars of history needed beyond the current one. */
  warmup(params: P): number;
  /** One output per bar, aligned with the inputs (one series per dependency, in order). */
  compute(inputs: readonly Series[], params: P): Float64Array;
}

/** A built-in also computes bar by bar (paper/live). */
export interface NodeDefinition<P = unknown> extends ComputeDefinition<P> {
  incremental(params: P): Incremental<unknown, BarInputs>;
}

/**
 * A custom node type (SPEC §6): a TypeScript module exporting these fields
 * (workers/plugins.ts loads it). Its code_hash is a hash of its source.
 */
export interface NodePlugin<P = unknown> extends ComputeDefinition<P> {
  readonly nodeType: string;
}

/** Node type → computation: the built-ins, plus the plugins a process loaded. */
export type NodeLibrary = ReadonlyMap<string, ComputeDefinition>;

/** Largest window accepted: per-bar cost is O(window) (see indicators.ts). */
export const MAX_WINDOW = 100_000;

/** DAG params are parsed losslessly (canonical-json.ts), so a number may arrive as a LosslessNumber. */
function lossless<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (isLosslessNumber(v) ? Number(v.value) : v), schema);
}

const windowParam = (minimum: number) => lossless(z.number().int().min(minimum).max(MAX_WINDOW));

function define<P, S>(spec: {
  params: z.ZodType<P>;
  inputs: number;
  warmup: (params: P) => number;
  incremental: (params: P) => Incremental<S, BarInputs>;
}): NodeDefinition<P> {
  return {
    ...spec,
    incremental: spec.incremental as (params: P) => Incremental<unknown, BarInputs>,
    compute(inputs, params) {
      const length = inputs[0]?.length ?? 0;
      const out = new Float64Array(length);
      const incremental = spec.incremental(params);
      let state = incremental.initial;
      for (let t = 0; t < length; t++) {
        const next = incremental.step(
          state,
          inputs.map((x) => x[t] ?? null),
        );
        state = next.state;
        out[t] = next.output;
      }
      return out;
    },
  };
}

/** Adapts a one-input computation to the registry's per-bar input list. */
function unary<S>(incremental: Incremental<S>): Incremental<S, BarInputs> {
  return {
    initial: incremental.initial,
    step: (state, values) => incremental.step(state, values[0] ?? null),
  };
}

const windowParams = (minimum: number) => z.strictObject({ window: windowParam(minimum) });

export const NODE_LIBRARY = {
  sma: define({
    params: windowParams(1),
    inputs: 1,
    warmup: (p) => p.window - 1,
    incremental: (p) => unary(smaIncremental(p.window)),
  }),
  ema: define({
    params: windowParams(1),
    inputs: 1,
    warmup: (p) => p.window - 1,
    incremental: (p) => unary(emaIncremental(p.window)),
  }),
  rsi: define({
    params: windowParams(1),
    inputs: 1,
    warmup: (p) => p.window,
    incremental: (p) => unary(rsiIncremental(p.window)),
  }),
  returns: define({
    params: z.strictObject({ log: z.boolean().optional() }),
    inputs: 1,
    warmup: () => 1,
    incremental: (p) => unary(returnsIncremental({ log: p.log ?? false })),
  }),
  zscore: define({
    params: windowParams(2),
    inputs: 1,
    warmup: (p) => p.window - 1,
    incremental: (p) => unary(zscoreIncremental(p.window)),
  }),
  volatility: define({
    params: z.strictObject({
      window: windowParam(2),
      periods_per_year: lossless(z.number().positive()).optional(),
    }),
    inputs: 1,
    warmup: (p) => p.window,
    incremental: (p) => unary(volatilityIncremental(p.window, p.periods_per_year)),
  }),
  crossover: define({
    params: z.strictObject({ mode: z.enum(['event', 'level']).optional() }),
    inputs: 2,
    warmup: () => 0,
    incremental: (p) => {
      const pair = crossoverIncremental(p.mode ?? 'event');
      const adapted: Incremental<CrossoverState, BarInputs> = {
        initial: pair.initial,
        step: (state, values) => pair.step(state, [values[0] ?? null, values[1] ?? null]),
      };
      return adapted;
    },
  }),
  threshold_signal: define({
    params: z
      .strictObject({
        upper: lossless(z.number()),
        lower: lossless(z.number()),
        hold: z.boolean().optional(),
        direction: z.enum(['momentum', 'reversion']).optional(),
      })
      .refine((p) => p.lower <= p.upper, { message: 'lower must not exceed upper', path: ['lower'] }),
    inputs: 1,
    warmup: () => 0,
    incremental: (p) => unary(thresholdSignalIncremental(p)),
  }),
  target_position: define({
    params: z.strictObject({
      size: lossless(z.number().positive().max(1)),
      long_only: z.boolean().optional(),
    }),
    inputs: 1,
    warmup: () => 0,
    incremental: (p) => unary(targetPositionIncremental(p)),
  }),
} as const satisfies Record<string, NodeDefinition>;

export type ComputeNodeType = keyof typeof NODE_LIBRARY;
export const COMPUTE_NODE_TYPES = Object.keys(NODE_LIBRARY) as ComputeNodeType[];

export function isComputeNodeType(nodeType: string): nodeType is ComputeNodeType {
  return Object.hasOwn(NODE_LIBRARY, nodeType);
}

export const BUILTIN_LIBRARY: NodeLibrary = new Map<string, ComputeDefinition>(
  Object.entries(NODE_LIBRARY) as Array<[string, ComputeDefinition]>,
);

/** The built-ins and the given plugins; a plugin never replaces a built-in (workers/plugins.ts refuses it). */
export function nodeLibrary(plugins: Iterable<NodePlugin> = []): NodeLibrary {
  const library = new Map(BUILTIN_LIBRARY);
  for (const plugin of plugins) {
    if (!library.has(plugin.nodeType)) library.set(plugin.nodeType, plugin as ComputeDefinition);
  }
  return library;
}

export type NodeComputeErrorCode =
  'E_NODE_TYPE_UNKNOWN' | 'E_NODE_PARAMS' | 'E_NODE_INPUTS' | 'E_NODE_OUTPUT';

export class NodeComputeError extends Error {
  override name = 'NodeComputeError';
  constructor(
    readonly code: NodeComputeErrorCode,
    message: string,
    readonly issues: readonly z.core.$ZodIssue[] = [],
  ) {
    super(message);
  }
}

/** The library entry with its param type erased, for callers that hold a node type as a string. */
export function nodeDefinition(nodeType: string, library: NodeLibrary = BUILTIN_LIBRARY): ComputeDefinition {
  const definition = library.get(nodeType);
  if (definition === undefined) {
    throw new NodeComputeError('E_NODE_TYPE_UNKNOWN', `no computation for node type ${nodeType}`);
  }
  return definition;
}

/** Validates raw DAG params (unknown keys refused) into the node's typed params. */
export function parseNodeParams(
  nodeType: string,
  raw: unknown,
  library: NodeLibrary = BUILTIN_LIBRARY,
): unknown {
  const parsed = nodeDefinition(nodeType, library).params.safeParse(raw);
  if (!parsed.success) {
    throw new NodeComputeError('E_NODE_PARAMS', `invalid params for ${nodeType}`, parsed.error.issues);
  }
  return parsed.data;
}

/** Validates and computes one node over bar-aligned inputs (one series per dependency, in order). */
export function computeNode(
  nodeType: string,
  inputs: readonly Series[],
  rawParams: unknown,
  library: NodeLibrary = BUILTIN_LIBRARY,
): Float64Array {
  const definition = nodeDefinition(nodeType, library);
  const params = parseNodeParams(nodeType, rawParams, library);
  if (inputs.length !== definition.inputs) {
    throw new NodeComputeError(
      'E_NODE_INPUTS',
      `${nodeType} takes ${definition.inputs} input(s), got ${inputs.length}`,
    );
  }
  const length = inputs[0]?.length ?? 0;
  if (inputs.some((x) => x.length !== length)) {
    throw new NodeComputeError('E_NODE_INPUTS', `${nodeType} inputs must be aligned on the same bars`);
  }
  const out = definition.compute(inputs, params);
  // A plugin's output is checked as a built-in's never needs to be: one value per bar.
  if (!(out instanceof Float64Array) || out.length !== length) {
    throw new NodeComputeError('E_NODE_OUTPUT', `${nodeType} must return a Float64Array of ${length} values`);
  }
  return out;
}
