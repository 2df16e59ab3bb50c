/**
 * `qmtl demo` (and `npm start -- --demo`): seeds the world `demo` with the
 * loose policy of examples/demo-policy.yaml and submits the two example
 * strategies to it, on the simulated exchange, so the whole loop — backtest,
 * evaluation, promotion to paper, paper trading — runs without any exchange
 * account. Idempotent: an existing world is left as it is (only a missing
 * policy is added), and strategy ids are content hashes, so a second run
 * finds both already submitted and starts nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { submissionBody } from '../builder';
import { ApiProblem, type GatewayClient } from './api';
import type { CliIo } from './io';
import { loadStrategyFile } from './submit';

export const DEMO_WORLD = 'demo';
const DEMO_STRATEGIES = ['sma-crossover.ts', 'rsi-mean-reversion.ts'];
const DEMO_POLICY = 'demo-policy.yaml';

export interface DemoSeed {
  world: 'created' | 'existed';
  policy: 'added' | 'existed';
  strategies: { name: string; strategy_id: string; outcome: 'submitted' | 'already-submitted' }[];
}

export interface DemoLinks {
  gatewayUrl: string;
  /** The Temporal UI's base URL (the dev server's, by default). */
  temporalUiUrl: string;
  namespace: string;
}

/** examples/ beside sdk/ — from the sources (tsx) or from the build (dist/sdk/cli). */
export function examplesDir(): string {
  const candidates = [
    path.resolve(__dirname, '..', '..', 'examples'),
    path.resolve(__dirname, '..', '..', '..', 'examples'),
  ];
  const found = candidates.find((dir) => existsSync(path.join(dir, DEMO_POLICY)));
  if (!found) throw new Error(`the demo needs examples/${DEMO_POLICY} beside the program; it was not found`);
  return found;
}

const isStatus = (err: unknown, status: number) => err instanceof ApiProblem && err.status === status;

async function ensureWorld(api: GatewayClient): Promise<DemoSeed['world']> {
  try {
    await api.json('GET', `/v1/worlds/${DEMO_WORLD}`);
    return 'existed';
  } catch (err) {
    if (!isStatus(err, 404)) throw err;
  }
  try {
    await api.json('POST', '/v1/worlds', {
      id: DEMO_WORLD,
      name: 'Demo: the whole loop on the simulated exchange',
      labels: { demo: 'true' },
    });
    return 'created';
  } catch (err) {
    // Someone else created it in between: the same outcome.
    if (err instanceof ApiProblem && err.code === 'E_DUPLICATE') return 'existed';
    throw err;
  }
}

async function ensurePolicy(api: GatewayClient, dir: string): Promise<DemoSeed['policy']> {
  const policies = await api.json<{ default_version: number | null }>(
    'GET',
    `/v1/worlds/${DEMO_WORLD}/policies`,
  );
  if (policies.default_version !== null) return 'existed';
  const policy: unknown = parseYaml(readFileSync(path.join(dir, DEMO_POLICY), 'utf8'));
  // The world's first policy becomes its default.
  await api.json('POST', `/v1/worlds/${DEMO_WORLD}/policies`, { policy });
  return 'added';
}

export async function seedDemo(api: GatewayClient, dir = examplesDir()): Promise<DemoSeed> {
  const world = await ensureWorld(api);
  const policy = await ensurePolicy(api, dir);
  const strategies: DemoSeed['strategies'] = [];
  for (const file of DEMO_STRATEGIES) {
    const loaded = loadStrategyFile(path.join(dir, file));
    const body = submissionBody({ dagText: loaded.dagText, crc32: loaded.nodeIdsCrc32, meta: loaded.meta }, [
      DEMO_WORLD,
    ]);
    try {
      const answer = await api.json<{ strategy_id: string }>('POST', '/v1/strategies', body);
      strategies.push({ name: loaded.name, strategy_id: answer.strategy_id, outcome: 'submitted' });
    } catch (err) {
      if (!(err instanceof ApiProblem && err.code === 'E_DUPLICATE')) throw err;
      strategies.push({
        name: loaded.name,
        strategy_id: loaded.strategyId ?? '?',
        outcome: 'already-submitted',
      });
    }
  }
  return { world, policy, strategies };
}

/** What to open next, for a person. */
export function demoReport(seed: DemoSeed, links: DemoLinks): string {
  const query = encodeURIComponent(`QmtlWorldId = '${DEMO_WORLD}'`);
  const gw = links.gatewayUrl.replace(/\/$/, '');
  return [
    `demo world '${DEMO_WORLD}': ${seed.world === 'created' ? 'created' : 'already there'}` +
      (seed.policy === 'added' ? ', policy examples/demo-policy.yaml set as its default' : ''),
    ...seed.strategies.map(
      (s) =>
        `  ${s.name}: strategy ${s.strategy_id} (${s.outcome === 'submitted' ? 'submitted' : 'already submitted'})`,
    ),
    'Each strategy backtests a week of simulated BTC/USDT minute bars, the world evaluates it, a',
    'selected one is promoted to paper and starts paper trading. Watch it:',
    `  Temporal UI: ${links.temporalUiUrl.replace(/\/$/, '')}/namespaces/${links.namespace}/workflows?query=${query}`,
    `  Strategies:  ${gw}/v1/strategies?world_id=${DEMO_WORLD}   (qmtl strategies --world ${DEMO_WORLD})`,
    `  Activation:  ${gw}/v1/worlds/${DEMO_WORLD}/activation`,
    `  Audit:       ${gw}/v1/worlds/${DEMO_WORLD}/audit`,
    `  Risk:        ${gw}/v1/risk-hub/worlds/${DEMO_WORLD}/snapshots/latest`,
    `  API docs:    ${gw}/docs   (requests need the admin key as a Bearer token)`,
    '',
  ].join('\n');
}

export interface DemoOptions {
  ui: string;
  namespace: string;
  json?: boolean;
}

export async function demoCommand(
  api: GatewayClient,
  io: CliIo,
  gatewayUrl: string,
  options: DemoOptions,
): Promise<number> {
  const seed = await seedDemo(api);
  if (options.json) io.out(`${JSON.stringify(seed, null, 2)}\n`);
  else io.out(demoReport(seed, { gatewayUrl, temporalUiUrl: options.ui, namespace: options.namespace }));
  return 0;
}
