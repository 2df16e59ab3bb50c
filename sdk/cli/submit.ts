/**
 * `qmtl submit <file>`: a strategy module (.ts/.js exporting a builder, a build
 * result or a `dag`) or a .json DAG / submission body, sent to POST
 * /v1/strategies or /v1/strategies/dry-run. The DAG travels as base64
 * `dag_json`, so its number literals (`1.0`) reach the Gateway as written.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isLosslessNumber, stringify } from 'lossless-json';
import { parseLossless, type JsonValue } from '../../domain/canonical-json';
import { acceptDag, decodeDagJson, isIntakeError } from '../../domain/dag/intake';
import { StrategyBuilder, submissionBody, type BuiltStrategy } from '../builder';
import { ApiProblem, type GatewayClient } from './api';
import type { CliIo } from './io';
import { requireModule } from '../require-module';

/** Exit code of a submission the Gateway already holds (E_DUPLICATE), so scripts can tell it apart. */
export const EXIT_DUPLICATE = 3;

/** What a file gave: the DAG text and whatever the file said about worlds and meta. */
export interface LoadedStrategy {
  name: string;
  dagText: string;
  meta: Record<string, unknown>;
  worldIds: string[];
  nodeIdsCrc32?: number;
  /** The id the Gateway will give it; undefined when the DAG would not pass its intake. */
  strategyId?: string;
  /** node id → node type, to label the dry-run diff. */
  nodeTypes: Map<string, string>;
}

/** Export names looked at, in order; the first that holds a strategy wins. */
const STRATEGY_EXPORTS = ['default', 'strategy', 'built', 'dag'] as const;

export function loadStrategyFile(file: string, cwd = process.cwd()): LoadedStrategy {
  const absolute = path.resolve(cwd, file);
  if (!existsSync(absolute)) throw new Error(`no such file: ${file}`);
  const name = path.basename(file).replace(/\.[^.]+$/, '');
  if (path.extname(absolute) === '.json') return fromJson(readFileSync(absolute, 'utf8'), name);
  const exports = requireModule(
    absolute,
    'run `npm run qmtl -- submit …`, or submit compiled .js or .json',
  ) as Record<string, unknown>;
  for (const key of STRATEGY_EXPORTS) {
    const loaded = fromExport(exports[key], name);
    if (loaded) return loaded;
  }
  throw new Error(
    `${file} exports no strategy: export a StrategyBuilder, its build() result or a {nodes} DAG as one of ${STRATEGY_EXPORTS.join(', ')}`,
  );
}

function fromExport(value: unknown, name: string): LoadedStrategy | undefined {
  if (isBuilder(value)) return fromBuilt(value.build());
  if (isBuilt(value)) return fromBuilt(value);
  if (isDag(value)) return fromDag(parseLossless(stringify(value)!), name, {});
  return undefined;
}

function fromBuilt(built: BuiltStrategy): LoadedStrategy {
  return {
    name: built.name,
    dagText: built.dagText,
    meta: built.meta,
    worldIds: [],
    nodeIdsCrc32: built.crc32,
    strategyId: built.strategyId,
    nodeTypes: new Map(built.dag.nodes.map((n) => [n.node_id, n.node_type])),
  };
}

/** A DAG (`{nodes}`) or a submission body (`{dag | dag_json, world_ids?, meta?, node_ids_crc32?}`). */
function fromJson(text: string, name: string): LoadedStrategy {
  const value = parseLossless(text);
  if (!isRecord(value)) throw new Error('the JSON file holds no object');
  if ('nodes' in value) return fromDag(value, name, {});
  const body = value as { dag?: JsonValue; dag_json?: JsonValue };
  let dag: JsonValue | undefined = body.dag;
  if (typeof body.dag_json === 'string') {
    const decoded = decodeDagJson(body.dag_json);
    if (isIntakeError(decoded)) throw new Error(`dag_json: ${decoded.detail}`);
    dag = decoded;
  }
  if (dag === undefined)
    throw new Error('the JSON file holds neither a DAG ({nodes}) nor a body with dag or dag_json');
  return fromDag(dag, name, value);
}

function fromDag(dag: JsonValue, name: string, body: Record<string, JsonValue>): LoadedStrategy {
  const accepted = acceptDag(dag, 'dag');
  const nodes = isRecord(dag) && Array.isArray(dag.nodes) ? dag.nodes.filter(isRecord) : [];
  const crc = body.node_ids_crc32;
  return {
    name,
    dagText: stringify(dag)!,
    meta: isRecord(body.meta) ? (JSON.parse(stringify(body.meta)!) as Record<string, unknown>) : {},
    worldIds: Array.isArray(body.world_ids) ? body.world_ids.filter((w) => typeof w === 'string') : [],
    nodeIdsCrc32: crc === undefined || crc === null ? undefined : Number(crc),
    strategyId: isIntakeError(accepted) ? undefined : accepted.strategyId,
    nodeTypes: new Map(nodes.map((n) => [String(n.node_id), String(n.node_type)])),
  };
}

export interface SubmitOptions {
  /** Worlds from --world; a .json body's own world_ids when none. */
  world?: string[];
  dryRun?: boolean;
  json?: boolean;
}

interface Submitted {
  strategy_id: string;
  workflow_id: string;
  status: string;
  world_ids: string[];
  node_count: number;
}

interface NodeDiff {
  node_id: string;
  status: 'reused' | 'new' | 'buffering';
  queue: string;
  warmup_bars?: number;
  replaces?: string;
}

interface DryRun {
  strategy_id: string;
  node_count: number;
  diff: { nodes: NodeDiff[]; queue_map: Record<string, string> };
}

export async function submitCommand(
  api: GatewayClient,
  io: CliIo,
  file: string,
  options: SubmitOptions,
): Promise<number> {
  const loaded = loadStrategyFile(file);
  const worldIds = options.world?.length ? options.world : loaded.worldIds;
  if (worldIds.length === 0) throw new Error('name at least one world: --world <id>');
  const body = submissionBody(
    { dagText: loaded.dagText, crc32: loaded.nodeIdsCrc32, meta: loaded.meta },
    worldIds,
  );
  if (options.dryRun) return dryRun(api, io, loaded, body, options);
  let answer: Submitted;
  try {
    answer = await api.json<Submitted>('POST', '/v1/strategies', body);
  } catch (err) {
    if (err instanceof ApiProblem && err.code === 'E_DUPLICATE') return duplicate(io, loaded, err);
    throw err;
  }
  if (options.json) {
    io.out(`${JSON.stringify(answer, null, 2)}\n`);
    return 0;
  }
  io.out(
    [
      `submitted ${loaded.name}: strategy ${answer.strategy_id} (${answer.status})`,
      `  worlds:   ${answer.world_ids.join(', ')}`,
      `  nodes:    ${answer.node_count}`,
      `  workflow: ${answer.workflow_id}`,
      `follow it:  qmtl strategy ${answer.strategy_id}`,
      '',
    ].join('\n'),
  );
  return 0;
}

function duplicate(io: CliIo, loaded: LoadedStrategy, err: ApiProblem): number {
  // The Gateway's 409 carries the id; it is the local one, computed by the same function.
  const id = loaded.strategyId;
  io.err(
    `qmtl: ${err.code} (${err.status}): ${loaded.name} was submitted before${id ? ` as strategy ${id}` : ''}; nothing was started\n` +
      (id ? `  see it: qmtl strategy ${id}\n` : ''),
  );
  return EXIT_DUPLICATE;
}

async function dryRun(
  api: GatewayClient,
  io: CliIo,
  loaded: LoadedStrategy,
  body: object,
  options: SubmitOptions,
): Promise<number> {
  const answer = await api.json<DryRun>('POST', '/v1/strategies/dry-run', body);
  if (options.json) {
    io.out(`${JSON.stringify(answer, null, 2)}\n`);
    return 0;
  }
  const known = await strategyExists(api, answer.strategy_id);
  const counts = (['new', 'reused', 'buffering'] as const).map(
    (status) => `${answer.diff.nodes.filter((n) => n.status === status).length} ${status}`,
  );
  const rows = answer.diff.nodes.map((n) => [
    n.status,
    loaded.nodeTypes.get(n.node_id) ?? '?',
    n.node_id,
    n.queue,
    n.status === 'buffering' ? `warm-up ${n.warmup_bars ?? 0} bars, replaces ${n.replaces ?? '?'}` : '',
  ]);
  io.out(
    [
      `dry run of ${loaded.name}: strategy ${answer.strategy_id}`,
      known
        ? '  already submitted: submitting it again answers E_DUPLICATE'
        : '  not submitted yet: nothing was started',
      `  ${answer.node_count} nodes: ${counts.join(', ')}`,
      table(['STATUS', 'TYPE', 'NODE ID', 'QUEUE', ''], rows),
      '',
    ].join('\n'),
  );
  return 0;
}

async function strategyExists(api: GatewayClient, strategyId: string): Promise<boolean> {
  try {
    await api.json('GET', `/v1/strategies/${strategyId}`);
    return true;
  } catch (err) {
    if (err instanceof ApiProblem && err.status === 404) return false;
    throw err;
  }
}

/** Columns padded to their widest cell, indented two spaces; trailing blanks trimmed. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `  ${cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** commander's collector for a repeatable option. */
export const repeatable = (value: string, previous: string[] = []): string[] => [...previous, value];

function isRecord(value: unknown): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isLosslessNumber(value);
}

const isDag = (value: unknown): value is { nodes: unknown[] } =>
  isRecord(value) && Array.isArray((value as { nodes?: unknown }).nodes);

const isBuilt = (value: unknown): value is BuiltStrategy =>
  isRecord(value) && typeof value.dagText === 'string' && Array.isArray(value.nodeIds);

/** Duck-typed: a builder from another copy of the SDK (loaded through tsx) is no instance of this one's class. */
const isBuilder = (value: unknown): value is { build(): BuiltStrategy } =>
  value instanceof StrategyBuilder ||
  (typeof value === 'object' && value !== null && typeof (value as { build?: unknown }).build === 'function');
