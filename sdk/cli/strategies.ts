/**
 * `qmtl submit | strategies | strategy <id> | run <runId>`: submitting and
 * reading strategies and their runs through the Gateway. Reads render whatever
 * fields the answer carries, and an endpoint this Gateway does not serve yet
 * is reported as such rather than as a missing strategy or run.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { ApiProblem, type GatewayClient } from './api';
import type { CliIo } from './io';
import { repeatable, submitCommand, table } from './submit';
import { formatInstant } from './time';

type Answer = Record<string, unknown>;

/**
 * The Gateway has no such endpoint (api/app.ts): 404 "no route …" for an
 * unknown path, 405 for a path served for other methods only. Any other 404
 * is an unknown id and stays an error.
 */
export function isMissingRoute(err: unknown): boolean {
  if (!(err instanceof ApiProblem)) return false;
  return err.status === 405 || (err.status === 404 && err.message.startsWith('no route '));
}

function notServed(io: CliIo, route: string, hint: string): number {
  io.err(`qmtl: this Gateway does not serve ${route} yet; ${hint}\n`);
  return 1;
}

const listOf = (answer: unknown, key: string): Answer[] => {
  const list = Array.isArray(answer) ? answer : (answer as Answer | undefined)?.[key];
  return Array.isArray(list) ? (list as Answer[]) : [];
};

const text = (value: unknown): string =>
  value === undefined || value === null ? '' : Array.isArray(value) ? value.join(',') : String(value);

// --- strategies --------------------------------------------------------------------

export interface ListOptions {
  world?: string;
  limit?: number;
  offset?: number;
  json?: boolean;
}

/** GET /v1/strategies: newest first, a page at a time (`{strategies, limit, offset}`). */
export async function strategiesCommand(
  api: GatewayClient,
  io: CliIo,
  options: ListOptions,
): Promise<number> {
  const query = new URLSearchParams();
  if (options.world) query.set('world_id', options.world);
  if (options.limit !== undefined) query.set('limit', String(options.limit));
  if (options.offset !== undefined) query.set('offset', String(options.offset));
  const search = query.size > 0 ? `?${query}` : '';
  let answer: unknown;
  try {
    answer = await api.json('GET', `/v1/strategies${search}`);
  } catch (err) {
    if (isMissingRoute(err))
      return notServed(io, 'GET /v1/strategies', 'look one up with: qmtl strategy <id>');
    throw err;
  }
  if (options.json) {
    io.out(`${JSON.stringify(answer, null, 2)}\n`);
    return 0;
  }
  const strategies = listOf(answer, 'strategies');
  if (strategies.length === 0) {
    io.out(`no strategies${options.world ? ` in world ${options.world}` : ''}\n`);
    return 0;
  }
  const rows = strategies.map((s) => [
    text(s.strategy_id),
    text((s.meta as Answer | undefined)?.name),
    text(s.status),
    text(s.world_ids),
    text(s.node_count),
    text(s.created_at ?? s.submitted_at),
  ]);
  io.out(`${table(['STRATEGY ID', 'NAME', 'STATUS', 'WORLDS', 'NODES', 'SUBMITTED'], rows)}\n`);
  const { limit } = (answer ?? {}) as { limit?: number };
  if (limit !== undefined && strategies.length === limit) {
    io.out(`  (first ${limit}; more with --offset ${(options.offset ?? 0) + limit})\n`);
  }
  return 0;
}

interface StrategyAnswer {
  strategy_id: string;
  workflow_id: string;
  status: string;
  world_ids: string[];
  node_count?: number;
  bindings: Array<{ world_id: string; effective_mode: string; reason: string }>;
  transitions: Array<{ status: string; at: string }>;
  submitted_at: string;
  stop_reason?: string;
  error?: string;
}

export async function strategyCommand(
  api: GatewayClient,
  io: CliIo,
  strategyId: string,
  options: { json?: boolean },
): Promise<number> {
  const strategy = await api.json<StrategyAnswer>('GET', `/v1/strategies/${encodeURIComponent(strategyId)}`);
  const runs = await strategyRuns(api, strategyId);
  if (options.json) {
    io.out(`${JSON.stringify(runs === undefined ? strategy : { ...strategy, runs }, null, 2)}\n`);
    return 0;
  }
  const lines = [
    `strategy ${strategy.strategy_id}  ${strategy.status}`,
    `  workflow:  ${strategy.workflow_id}`,
    `  submitted: ${strategy.submitted_at}`,
    ...(strategy.node_count === undefined ? [] : [`  nodes:     ${strategy.node_count}`]),
    ...strategy.bindings.map((b) => `  world:     ${b.world_id} (${b.effective_mode}: ${b.reason})`),
    `  history:   ${strategy.transitions.map((t) => `${t.status} ${t.at}`).join(' → ')}`,
    ...(strategy.stop_reason ? [`  stopped:   ${strategy.stop_reason}`] : []),
    ...(strategy.error ? [`  error:     ${strategy.error}`] : []),
  ];
  if (runs !== undefined) {
    // A run id names its world and mode; the two headline metrics say how it went.
    const metric = (r: Answer, key: string) => formatMetric((r.metrics as Answer | undefined)?.[key]);
    const rows = runs.map((r) => [
      text(r.run_id),
      text(r.status),
      text(r.mode),
      metric(r, 'total_return'),
      metric(r, 'sharpe'),
    ]);
    lines.push(
      runs.length === 0
        ? '  runs:      none yet'
        : table(['RUN ID', 'STATUS', 'MODE', 'RETURN', 'SHARPE'], rows),
    );
  }
  io.out(`${lines.join('\n')}\n`);
  return 0;
}

/** The strategy's runs, or undefined while the Gateway has no runs endpoint. */
async function strategyRuns(api: GatewayClient, strategyId: string): Promise<Answer[] | undefined> {
  try {
    return listOf(await api.json('GET', `/v1/strategies/${encodeURIComponent(strategyId)}/runs`), 'runs');
  } catch (err) {
    if (isMissingRoute(err)) return undefined;
    throw err;
  }
}

// --- runs --------------------------------------------------------------------------

interface RunAnswer {
  run_id: string;
  status: string;
  strategy_id?: string;
  world_id?: string;
  mode?: string;
  window?: { start: number; end: number; interval_ms: number } | null;
  metrics?: Record<string, number>;
  nodes_total?: number;
  nodes_reused?: number;
  error?: string;
  progress?: Record<string, unknown>;
  result?: {
    initial_cash: number;
    fee_rate: number;
    trades_total: number;
    equity_points_total: number;
    equity: Array<{ ts: number; equity: number }>;
  };
}

/** GET /v1/runs/{runId}: status, window, node reuse, metrics, and the simulation's trades and equity. */
export async function runCommand(
  api: GatewayClient,
  io: CliIo,
  runId: string,
  options: { json?: boolean },
): Promise<number> {
  let run: RunAnswer;
  try {
    run = await api.json<RunAnswer>('GET', `/v1/runs/${encodeURIComponent(runId)}`);
  } catch (err) {
    if (isMissingRoute(err)) return notServed(io, 'GET /v1/runs/{runId}', 'no run can be shown');
    throw err;
  }
  if (options.json) {
    io.out(`${JSON.stringify(run, null, 2)}\n`);
    return 0;
  }
  const field = (name: string, value: string) => `  ${name.padEnd(9)} ${value}`;
  const { window, result } = run;
  const lines = [
    `run ${run.run_id}  ${run.status}`,
    ...(run.strategy_id ? [field('strategy', run.strategy_id)] : []),
    ...(run.world_id ? [field('world', `${run.world_id} (${run.mode ?? '?'})`)] : []),
    ...(window
      ? [
          field(
            'bars',
            `${formatInstant(window.start)} → ${formatInstant(window.end)}, ${window.interval_ms / 1000}s`,
          ),
        ]
      : []),
    ...(run.nodes_total === undefined
      ? []
      : [field('nodes', `${run.nodes_total} (${run.nodes_reused ?? 0} reused)`)]),
    ...(run.error ? [field('error', run.error)] : []),
    ...(run.progress ? [field('progress', JSON.stringify(run.progress))] : []),
  ];
  if (result) {
    const first = result.equity[0]?.equity ?? result.initial_cash;
    const last = result.equity[result.equity.length - 1]?.equity ?? first;
    lines.push(field('trades', `${result.trades_total} (fee rate ${formatMetric(result.fee_rate)})`));
    lines.push(
      field(
        'equity',
        `${formatMetric(first)} → ${formatMetric(last)} over ${result.equity_points_total} bars`,
      ),
    );
  }
  const metrics = Object.entries(run.metrics ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  if (metrics.length > 0) {
    lines.push(
      table(
        ['METRIC', 'VALUE'],
        metrics.map(([key, value]) => [key, formatMetric(value)]),
      ),
    );
  }
  io.out(`${lines.join('\n')}\n`);
  return 0;
}

/** Numbers to 6 significant digits (integers whole); anything else as text. */
export function formatMetric(value: unknown): string {
  if (typeof value !== 'number') return text(value);
  if (Number.isInteger(value)) return String(value);
  return Number.isFinite(value) ? String(Number(value.toPrecision(6))) : String(value);
}

// --- wiring ------------------------------------------------------------------------

const wholeNumber = (value: string): number => {
  if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
};

type Act = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

/** Adds submit, strategies, strategy and run to the program (sdk/cli/main.ts). */
export function registerStrategyCommands(
  program: Command,
  api: () => GatewayClient,
  io: CliIo,
  act: Act,
): void {
  program
    .command('submit <file>')
    .description('submit a strategy module (.ts/.js) or a DAG or submission body (.json) to worlds')
    .option('--world <id>', 'a world to bind it to (repeat for several)', repeatable)
    .option('--dry-run', 'validate and diff against the node registry; start nothing')
    .option('--json', 'print the API answer as JSON')
    .action(act((file: string, options) => submitCommand(api(), io, file, options)));
  program
    .command('strategies')
    .description('list strategies, newest first')
    .option('--world <id>', 'only those bound to this world')
    .option('--limit <n>', 'how many (the Gateway caps it at 100)', wholeNumber)
    .option('--offset <n>', 'skip this many', wholeNumber)
    .option('--json', 'print the API answer as JSON')
    .action(act((options) => strategiesCommand(api(), io, options)));
  program
    .command('strategy <strategyId>')
    .description("a strategy's status, world bindings, history and runs")
    .option('--json', 'print the API answer as JSON')
    .action(act((strategyId: string, options) => strategyCommand(api(), io, strategyId, options)));
  program
    .command('run <runId>')
    .description("a run's status and metrics")
    .option('--json', 'print the API answer as JSON')
    .action(act((runId: string, options) => runCommand(api(), io, runId, options)));
}
