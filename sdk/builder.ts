/**
 * The strategy author's DAG builder (SPEC §6, Strategy SDK). Nodes are added by
 * type, params and inputs; ids, `node_ids_crc32` and the strategy id come from
 * the Gateway's own domain functions, and `build()` runs the Gateway's intake on
 * the very text it produces, so a built DAG is never refused for its ids or shape.
 */
import { isLosslessNumber, LosslessNumber, stringify } from 'lossless-json';
import { compareCodePoints, parseLossless, type JsonValue } from '../domain/canonical-json';
import { parseOhlcvSource, timeframeMs } from '../domain/data/bars';
import { acceptDag, isIntakeError } from '../domain/dag/intake';
import { computeNodeId, pyStrip, TAG_QUERY_NODE_TYPE, type JsonObject } from '../domain/dag/node-id';
import { BUILTIN_CATALOG, builtinCodeHash, nodeTypeCatalog } from '../domain/dag/node-types';
import { nodeIdsCrc32 } from '../domain/dag/checksum';
import { validateDag, type DagProblem } from '../domain/dag/validate';
import {
  NODE_LIBRARY,
  isComputeNodeType,
  type ComputeNodeType,
  type NodeDefinition,
} from '../domain/nodes/library';

// --- numbers ---------------------------------------------------------------------

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * A float literal, as Python's client would send `1.0`. A JavaScript number
 * cannot say "float": `1.0 === 1`, and an integer hashes as `1`, a float as
 * `1.0` — two different node ids. Write `float(1)` where QMTL's Python code has
 * `1.0`; non-integral numbers such as `0.5` are floats already.
 */
export function float(value: number | string): LosslessNumber {
  const text = typeof value === 'number' ? JSON.stringify(value) : value.trim();
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new RangeError(`float(${value}): JSON has no non-finite numbers`);
  }
  if (!JSON_NUMBER.test(text)) throw new RangeError(`float('${value}'): not a JSON number literal`);
  return new LosslessNumber(/^-?\d+$/.test(text) ? `${text}.0` : text);
}

/** A param number: a plain number, or a literal kept exactly (e.g. from `float`). */
export type NumberLiteral = number | LosslessNumber;

/** A library param type with every number also accepted as a kept literal. */
export type Literal<T> = T extends number
  ? NumberLiteral
  : T extends string | boolean | null | undefined
    ? T
    : T extends readonly (infer U)[]
      ? Literal<U>[]
      : { [K in keyof T]: Literal<T[K]> };

type LibraryParams<T extends ComputeNodeType> =
  (typeof NODE_LIBRARY)[T] extends NodeDefinition<infer P> ? P : never;

/**
 * Params of a built-in node type, typed from NODE_LIBRARY's zod schemas. The
 * schemas' parsed (output) types are used: their input types are `unknown`,
 * because each numeric param is preprocessed to accept a lossless literal.
 */
export type NodeParams<T extends ComputeNodeType> = Literal<LibraryParams<T>>;

/**
 * Params as the DAG carries them. Plain numbers stay plain when JSON prints the
 * same number the id hashed; integers past 2^53 are refused, since the value
 * stored is not the integer that was written (a bigint or `float()` says which).
 */
function paramValue(value: unknown, path: string): JsonValue | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (isLosslessNumber(value)) return value;
  if (typeof value === 'bigint') return new LosslessNumber(value.toString());
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new BuildError(`${path}: ${value} has no JSON form`);
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
      throw new BuildError(`${path}: ${value} is past 2^53; write it as a bigint, or float(...) for a float`);
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => paramValue(v, `${path}.${i}`) ?? null);
  if (isPlainObject(value)) {
    const entries = Object.entries(value).map(([k, v]) => [k, paramValue(v, `${path}.${k}`)] as const);
    return Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as JsonObject;
  }
  throw new BuildError(`${path}: a ${typeof value} is not a JSON value`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

// --- nodes -----------------------------------------------------------------------

/** A node of the DAG as submitted (param numbers may be kept literals). */
export interface DagNodeJson {
  node_id: string;
  node_type: string;
  interval: number | null;
  period: number | null;
  params: JsonObject;
  dependencies: string[];
  schema_compat_id: string;
  code_hash: string;
  name?: string;
  tags?: string[];
}

/** A node added to a builder; pass it as another node's input. */
export interface NodeRef {
  readonly nodeId: string;
  readonly nodeType: string;
  /** Bar interval, seconds. */
  readonly interval: number | null;
  readonly period: number | null;
}

/** Settings every node may override; none but `name` and `tags` leave the id unchanged. */
export interface NodeOptions {
  /** Bars of history the node reads per value; default: the library's warm-up + 1 (SMA(20) → 20). */
  period?: number;
  /** Seconds or a timeframe (`'5m'`); default: the interval its inputs share. */
  interval?: number | string;
  /** Output schema version; default `''` (one float per bar, nothing to version yet). */
  schemaCompatId?: string;
  /** Display name; not part of the id. */
  name?: string;
  /** Tags TagQuery nodes can find it by; not part of the id. */
  tags?: string[];
}

export interface InputOptions extends Omit<NodeOptions, 'interval'> {
  /** Bars of history the input keeps: part of its id, so strategies sharing it share a period. */
  period: number;
}

export interface TagQueryOptions extends Omit<NodeOptions, 'interval'> {
  interval: number | string;
  period: number;
  matchMode?: 'any' | 'all';
}

export interface CustomNodeSpec extends NodeOptions {
  nodeType: string;
  /** A hash of the plugin's source (SPEC §6), so changed code is a new node. */
  codeHash: string;
  params?: Record<string, unknown>;
  /** Required: the builder knows no warm-up for a plugin. */
  period: number;
}

/** Schema ids a builder gives unless a node names its own. */
export const DEFAULT_SCHEMA_COMPAT = {
  /** The OHLCV bar schema StreamInput nodes emit. */
  StreamInput: 'ohlcv-v1',
  other: '',
} as const;

export class BuildError extends Error {
  override name = 'BuildError';
  constructor(
    message: string,
    /** Set when the Gateway's own intake refused the built DAG, e.g. a name past the schema's 256 characters. */
    readonly problem?: DagProblem,
  ) {
    super(message);
  }
}

// --- the result --------------------------------------------------------------------

export interface BuiltStrategy {
  name: string;
  /** `{nodes}` in the order added (every node after its inputs). */
  dag: { nodes: DagNodeJson[] };
  /** The DAG as JSON text with every literal kept; what `JSON.stringify` cannot do for `float()` params. */
  dagText: string;
  /** Node ids in submitted order. */
  nodeIds: string[];
  /** `node_ids_crc32`: CRC-32 of the ids in submitted order. */
  crc32: number;
  /** The id the Gateway will give the strategy: sha256 of the canonical DAG. */
  strategyId: string;
  meta: Record<string, unknown>;
}

/** A `POST /v1/strategies` body: the DAG as base64 `dag_json`, so its literals reach the Gateway intact. */
export function submissionBody(
  built: { dagText: string; crc32?: number; meta?: Record<string, unknown> },
  worldIds: readonly string[],
): SubmissionBody {
  return {
    dag_json: Buffer.from(built.dagText, 'utf8').toString('base64'),
    world_ids: [...worldIds],
    ...(built.crc32 === undefined ? {} : { node_ids_crc32: built.crc32 }),
    ...(built.meta === undefined ? {} : { meta: built.meta }),
  };
}

export interface SubmissionBody {
  dag_json: string;
  world_ids: string[];
  node_ids_crc32?: number;
  meta?: Record<string, unknown>;
}

// --- the builder -------------------------------------------------------------------

export interface StrategyBuilderOptions {
  name: string;
  /** Sent as the submission's `meta` (never part of the strategy id). */
  meta?: Record<string, unknown>;
}

export class StrategyBuilder {
  readonly name: string;
  private readonly meta: Record<string, unknown>;
  private readonly nodes: DagNodeJson[] = [];
  private readonly byId = new Map<string, DagNodeJson>();
  /** Plugin node types used, for the local catalog. */
  private readonly plugins = new Map<string, string>();

  constructor(options: StrategyBuilderOptions) {
    if (!options.name.trim()) throw new BuildError('a strategy needs a name');
    this.name = options.name;
    this.meta = { ...options.meta, name: options.name };
  }

  /** A StreamInput reading `ohlcv:{exchange}:{symbol}:{timeframe}`; its interval is the timeframe's. */
  input(source: string, options: InputOptions): NodeRef {
    const parsed = parseOhlcvSource(source);
    if (!parsed) throw new BuildError(`input '${source}' is not ohlcv:{exchange}:{symbol}:{timeframe}`);
    return this.add({
      nodeType: 'StreamInput',
      interval: parsed.intervalMs / 1000,
      period: requireCount(options.period, 'input period'),
      params: { source },
      inputs: [],
      schemaCompatId: options.schemaCompatId ?? DEFAULT_SCHEMA_COMPAT.StreamInput,
      options,
    });
  }

  /** A TagQueryNode: inputs resolved at run time by tags (sorted, unique) and match mode. */
  tagQuery(tags: readonly string[], options: TagQueryOptions): NodeRef {
    const queryTags = [...new Set(tags.map(pyStrip).filter((t) => t !== ''))].sort(compareCodePoints);
    if (queryTags.length === 0) throw new BuildError('a tag query needs at least one tag');
    return this.add({
      nodeType: TAG_QUERY_NODE_TYPE,
      interval: intervalSeconds(options.interval),
      period: requireCount(options.period, 'tag query period'),
      params: { query_tags: queryTags, match_mode: options.matchMode ?? 'any' },
      inputs: [],
      schemaCompatId: options.schemaCompatId ?? DEFAULT_SCHEMA_COMPAT.other,
      options,
    });
  }

  /** A built-in node: params checked by the library's schema, arity by its input count. */
  node<T extends ComputeNodeType>(
    nodeType: T,
    params: NodeParams<T>,
    inputs: readonly NodeRef[],
    options: NodeOptions = {},
  ): NodeRef {
    if (!isComputeNodeType(nodeType)) throw new BuildError(`'${nodeType}' is no built-in compute node type`);
    const definition = NODE_LIBRARY[nodeType] as NodeDefinition;
    const json = paramValue(params, `${nodeType}.params`) as JsonObject;
    const parsed = definition.params.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${[...i.path].join('.') || 'params'}: ${i.message}`);
      throw new BuildError(`invalid params for ${nodeType}: ${issues.join('; ')}`);
    }
    if (inputs.length !== definition.inputs) {
      throw new BuildError(`${nodeType} takes ${definition.inputs} input(s), got ${inputs.length}`);
    }
    return this.add({
      nodeType,
      interval: this.sharedInterval(nodeType, inputs, options.interval),
      period: options.period ?? definition.warmup(parsed.data) + 1,
      params: json,
      inputs,
      schemaCompatId: options.schemaCompatId ?? DEFAULT_SCHEMA_COMPAT.other,
      options,
    });
  }

  /** A plugin node type; the Gateway accepts it only where a worker registered that type and code hash. */
  custom(spec: CustomNodeSpec, inputs: readonly NodeRef[] = []): NodeRef {
    if (BUILTIN_CATALOG.has(spec.nodeType))
      throw new BuildError(`'${spec.nodeType}' is built in; use node()`);
    const known = this.plugins.get(spec.nodeType);
    if (known !== undefined && known !== spec.codeHash) {
      throw new BuildError(`node type '${spec.nodeType}' is already used with code_hash '${known}'`);
    }
    this.plugins.set(spec.nodeType, spec.codeHash);
    return this.add({
      nodeType: spec.nodeType,
      codeHash: spec.codeHash,
      interval: this.sharedInterval(spec.nodeType, inputs, spec.interval),
      period: requireCount(spec.period, `${spec.nodeType} period`),
      params: (paramValue(spec.params ?? {}, `${spec.nodeType}.params`) as JsonObject) ?? {},
      inputs,
      schemaCompatId: spec.schemaCompatId ?? DEFAULT_SCHEMA_COMPAT.other,
      options: spec,
    });
  }

  /**
   * The DAG, its ids and checksum. The result is run through the Gateway's
   * intake from its own text (ids recomputed, graph and node types checked), so
   * what the author holds is exactly what the Gateway will accept.
   */
  build(): BuiltStrategy {
    if (this.nodes.length === 0) throw new BuildError(`strategy '${this.name}' has no nodes`);
    const dag = { nodes: this.nodes.map((n) => ({ ...n })) };
    const dagText = stringify(dag)!;
    const nodeIds = dag.nodes.map((n) => n.node_id);
    const crc32 = nodeIdsCrc32(nodeIds);
    const accepted = acceptDag(parseLossless(dagText), 'dag');
    if (isIntakeError(accepted)) throw refused(accepted);
    const problem = validateDag({
      field: 'dag',
      dag: accepted.dag,
      nodes: accepted.nodes,
      nodeIdsCrc32: crc32,
      catalog: nodeTypeCatalog(this.plugins),
    });
    if (problem) throw refused(problem);
    return {
      name: this.name,
      dag,
      dagText,
      nodeIds,
      crc32,
      strategyId: accepted.strategyId,
      meta: this.meta,
    };
  }

  private add(spec: {
    nodeType: string;
    codeHash?: string;
    interval: number | null;
    period: number;
    params: JsonObject;
    inputs: readonly NodeRef[];
    schemaCompatId: string;
    options: { name?: string; tags?: string[] };
  }): NodeRef {
    for (const input of spec.inputs) {
      if (this.byId.get(input.nodeId) === undefined) {
        throw new BuildError(`${spec.nodeType}: input ${input.nodeId} was not added to this builder`);
      }
    }
    const content = {
      node_type: spec.nodeType,
      interval: spec.interval,
      period: requireCount(spec.period, `${spec.nodeType} period`),
      params: spec.params,
      dependencies: spec.inputs.map((i) => i.nodeId),
      schema_compat_id: spec.schemaCompatId,
      code_hash: spec.codeHash ?? builtinCodeHash(spec.nodeType),
    };
    const node: DagNodeJson = { node_id: computeNodeId(content), ...content };
    if (spec.options.name !== undefined) node.name = spec.options.name;
    if (spec.options.tags !== undefined) node.tags = [...spec.options.tags];
    return this.register(node);
  }

  /** Content addressing: the same node added twice is one node. */
  private register(node: DagNodeJson): NodeRef {
    const existing = this.byId.get(node.node_id);
    if (existing) {
      // The id sorts dependencies (QMTL's rule), so f(a, b) and f(b, a) share an id but not a meaning.
      if (stringify(existing.dependencies) !== stringify(node.dependencies)) {
        throw new BuildError(
          `${node.node_type}: a node with the same id takes its inputs in another order; node ids ignore input order, so one DAG cannot hold both`,
        );
      }
      return refOf(existing);
    }
    this.nodes.push(node);
    this.byId.set(node.node_id, node);
    return refOf(node);
  }

  private sharedInterval(
    nodeType: string,
    inputs: readonly NodeRef[],
    explicit: number | string | undefined,
  ): number | null {
    if (explicit !== undefined) return intervalSeconds(explicit);
    const intervals = [...new Set(inputs.map((i) => i.interval))];
    if (intervals.length === 1) return intervals[0]!;
    if (intervals.length === 0) throw new BuildError(`${nodeType} has no inputs; give it an interval`);
    throw new BuildError(
      `${nodeType}: inputs run on different intervals (${intervals.join(', ')} s); give the node an interval`,
    );
  }
}

/** The Gateway's intake refused what was built: shape limits the builder leaves to the DAG schema. */
const refused = (problem: DagProblem): BuildError =>
  new BuildError(`the built DAG fails the Gateway's checks: ${problem.code}: ${problem.detail}`, problem);

const refOf = (node: DagNodeJson): NodeRef =>
  Object.freeze({
    nodeId: node.node_id,
    nodeType: node.node_type,
    interval: node.interval,
    period: node.period,
  });

function requireCount(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new BuildError(`${what} must be a whole number ≥ 0`);
  return value;
}

/** Seconds, from seconds or a timeframe such as `'1m'`. */
export function intervalSeconds(interval: number | string): number {
  const ms = typeof interval === 'number' ? interval * 1000 : timeframeMs(interval);
  if (ms === undefined || !Number.isSafeInteger(ms) || ms <= 0 || ms % 1000 !== 0) {
    throw new BuildError(
      `interval ${JSON.stringify(interval)} is neither whole seconds nor a timeframe like '1m'`,
    );
  }
  return ms / 1000;
}
