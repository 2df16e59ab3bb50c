/**
 * Node ids, validation and diff for a 10,000-node DAG (SPEC §13), in process
 * and domain only: what the Gateway computes for one submission before it
 * touches the store. The DAG is 50 instruments × 200 nodes in layers of
 * indicators (input → sma/ema → zscore → crossover → target_position, + rsi),
 * built with the SDK. Median of 5 runs after one untimed warm-up run.
 *
 *   npx tsx bench/dag-diff.ts            # writes bench/results/dag-diff.json
 *
 * Not a test: numbers depend on the machine, which the result file records.
 */
import { performance } from 'node:perf_hooks';
import { diffDag, type DiffInputNode, type RegisteredVariant, type RegistryView } from '../domain/dag/diff';
import { intakeDag, isIntakeError, type ValidatedDag } from '../domain/dag/intake';
import { computeNodeId, nodeIdentity, type JsonObject } from '../domain/dag/node-id';
import { float, StrategyBuilder, type BuiltStrategy } from '../sdk';
import { median, writeReport } from './harness';

const INSTRUMENTS = 50;
const WINDOWS = Array.from({ length: 33 }, (_, i) => i + 2); // 2 … 34
const RUNS = 5;

/** 200 nodes per instrument: 1 input, 66 sma/ema, 66 zscores of them, 33 crossovers, 33 targets, 1 rsi. */
function buildLayeredDag(): BuiltStrategy {
  const s = new StrategyBuilder({ name: 'bench-10k' });
  for (let i = 0; i < INSTRUMENTS; i++) {
    const symbol = `S${String(i).padStart(2, '0')}/USDT`;
    const price = s.input(`ohlcv:sim:${symbol}:1m`, { period: 500 });
    for (const window of WINDOWS) {
      const sma = s.node('sma', { window }, [price]);
      const ema = s.node('ema', { window }, [price]);
      s.node('zscore', { window: 20 }, [sma]);
      s.node('zscore', { window: 20 }, [ema]);
      const side = s.node('crossover', { mode: 'level' }, [sma, ema]);
      s.node('target_position', { size: float(0.5) }, [side]);
    }
    s.node('rsi', { window: 14 }, [price]);
  }
  return s.build();
}

/** The diff's input as api/routes/dags.ts diffAgainstRegistry makes it: topological order, identities. */
function diffInput(dag: ValidatedDag): DiffInputNode[] {
  const byId = new Map(dag.dag.nodes.map((node, index) => [node.node_id, index]));
  return dag.order.map((id) => {
    const index = byId.get(id)!;
    return { ...dag.dag.nodes[index]!, identity: nodeIdentity(dag.nodes[index]!) };
  });
}

/** Registry states: nothing known; everything known; every other node a schema variant of a registered one. */
function registries(
  nodes: readonly DiffInputNode[],
): Record<'empty' | 'all known' | 'half buffering', RegistryView> {
  const variants: RegisteredVariant[] = nodes
    .filter((_, i) => i % 2 === 0)
    .map((n) => ({
      ...n.identity,
      nodeId: `old:${n.node_id}`,
      interval: Number(n.identity.interval),
      schemaCompatId: 'v0',
    }));
  return {
    empty: { known: new Set(), variants: [] },
    'all known': { known: new Set(nodes.map((n) => n.node_id)), variants: [] },
    'half buffering': { known: new Set(), variants },
  };
}

interface CaseResult {
  name: string;
  nodes: number;
  median_ms: number;
  median_nodes_per_s: number;
  runs_ms: number[];
}

function measure(name: string, nodes: number, run: () => unknown): CaseResult {
  run(); // warm-up: JIT, and zod's first-parse caches
  const runsMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    run();
    runsMs.push(Math.round((performance.now() - start) * 10) / 10);
  }
  const ms = median(runsMs);
  return {
    name,
    nodes,
    median_ms: ms,
    median_nodes_per_s: Math.round((nodes / ms) * 1000),
    runs_ms: runsMs,
  };
}

function intake(bodyText: string, crc: number): ValidatedDag {
  const result = intakeDag({ bodyText }, { nodeIdsCrc32: crc });
  if (isIntakeError(result)) throw new Error(`${result.code}: ${result.detail}`);
  return result;
}

async function main(): Promise<void> {
  const built = buildLayeredDag();
  const n = built.nodeIds.length;
  if (n !== INSTRUMENTS * 200) throw new Error(`expected ${INSTRUMENTS * 200} nodes, built ${n}`);
  const bodyText = `{"dag":${built.dagText},"world_ids":["bench"]}`;
  const validated = intake(bodyText, built.crc32);
  const nodeContents = validated.nodes.map(({ node_id: _id, ...content }) => content as JsonObject);
  const diffNodes = diffInput(validated);
  const states = registries(diffNodes);

  const results: CaseResult[] = [
    measure('node ids only (computeNodeId × N)', n, () => nodeContents.map((node) => computeNodeId(node))),
    measure('full validation (intakeDag: parse, schema, CRC, ids, graph, types)', n, () =>
      intake(bodyText, built.crc32),
    ),
    ...Object.entries(states).map(([state, registry]) =>
      measure(`diff vs ${state} registry (identities + diffDag)`, n, () =>
        diffDag(diffInput(validated), registry),
      ),
    ),
    measure('submission path: validation + diff vs empty registry', n, () =>
      diffDag(diffInput(intake(bodyText, built.crc32)), states.empty),
    ),
    measure('SDK: build the DAG (params checked, ids, self-validation)', n, buildLayeredDag),
  ];
  for (const r of results) {
    console.log(
      `${r.name.padEnd(72)} ${String(r.median_ms).padStart(8)} ms  (${r.median_nodes_per_s} nodes/s)`,
    );
  }

  await writeReport(
    'dag-diff',
    {
      setup: {
        nodes: n,
        instruments: INSTRUMENTS,
        dag_text_bytes: Buffer.byteLength(built.dagText),
        runs: RUNS,
        warmup_runs: 1,
        statistic: 'median',
      },
      results,
    },
    { prettier: true },
  );
}

void main();
