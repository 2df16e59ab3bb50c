/**
 * The SDK builder (sdk/builder.ts): its ids are the ids QMTL's own code gives
 * the same nodes (golden vectors), every id recomputes from the DAG text it
 * ships, the Gateway's intake accepts what it builds, and it refuses what the
 * Gateway or a run would refuse, before anything is sent.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { LosslessNumber } from 'lossless-json';
import { canonicalJson, parseLossless } from '../../domain/canonical-json';
import { nodeIdsCrc32 } from '../../domain/dag/checksum';
import { intakeDag, isIntakeError } from '../../domain/dag/intake';
import { computeNodeId, nodeIdentity, nodeIdPayload, type JsonObject } from '../../domain/dag/node-id';
import { BUILTIN_CATALOG } from '../../domain/dag/node-types';
import { strategyIdOf } from '../../domain/dag/strategy-id';
import { validateDag } from '../../domain/dag/validate';
import { BuildError, float, StrategyBuilder, submissionBody, type BuiltStrategy } from '../../sdk';
import * as rsiExample from '../../examples/rsi-mean-reversion';
import * as smaExample from '../../examples/sma-crossover';
import { ID_INPUT } from '../fixtures/dags';

interface Vector {
  name: string;
  node_json: string;
  node_id: string;
}
const vectors = (
  JSON.parse(readFileSync(path.join(__dirname, '../fixtures/node-id-vectors.json'), 'utf8')) as {
    node_ids: Vector[];
  }
).node_ids;
const golden = (name: string): string => vectors.find((v) => v.name.startsWith(name))!.node_id;

const BTC_1M = 'ohlcv:sim:BTC/USDT:1m';

function smaCrossover(order: 'fast-first' | 'slow-first' = 'fast-first'): BuiltStrategy {
  const s = new StrategyBuilder({ name: 'sma-crossover' });
  const px = s.input(BTC_1M, { period: 200 });
  const [fast, slow] =
    order === 'fast-first'
      ? [s.node('sma', { window: 10 }, [px]), s.node('sma', { window: 50 }, [px])]
      : [s.node('sma', { window: 50 }, [px]), s.node('sma', { window: 10 }, [px])].reverse();
  const cross = s.node('crossover', { mode: 'level' }, [fast!, slow!]);
  s.node('target_position', { size: 1 }, [cross]);
  return s.build();
}

/** What the Gateway does with a submission body carrying `dag_json` (api/routes/dags.ts readDagBody). */
function gatewayIntake(built: BuiltStrategy) {
  const body = submissionBody(built, ['crypto-majors']);
  const result = intakeDag({ dagJson: body.dag_json }, { nodeIdsCrc32: body.node_ids_crc32 });
  if (isIntakeError(result)) throw new Error(`${result.code}: ${result.detail}`);
  return result;
}

describe('node ids match the ids QMTL computes', () => {
  it('for the input, an integer window, a float window, a tag query and a plugin', () => {
    const s = new StrategyBuilder({ name: 'golden' });
    const px = s.input(BTC_1M, { period: 200 });
    expect(px.nodeId).toBe(golden('stream input'));
    expect(px.nodeId).toBe(ID_INPUT);
    // The library's warm-up for sma(20) is 19 bars, so the derived period is 20, as QMTL's vector has it.
    expect(s.node('sma', { window: 20 }, [px]).nodeId).toBe(golden('sma window 20 (integer'));
    expect(s.node('sma', { window: float(20) }, [px]).nodeId).toBe(golden('sma window 20.0'));
    expect(s.tagQuery(['btc'], { interval: '1m', period: 0, matchMode: 'all' }).nodeId).toBe(
      golden('TagQuery: node-level match_mode fallback'),
    );
    const plugin = s.custom(
      {
        nodeType: 'my_plugin.spread',
        codeHash: JSON.parse(vectors.find((v) => v.name.startsWith('plugin'))!.node_json).code_hash,
        params: { legs: ['BTC/USDT', 'ETH/USDT'], ratio: 0.75 },
        interval: '15m',
        period: 96,
        schemaCompatId: 'spread-v2',
      },
      [px],
    );
    expect(plugin.nodeId).toBe(golden('plugin node type with a source hash'));
  });
});

describe('a built DAG', () => {
  const built = smaCrossover();

  it('carries ids that recompute from its own text, node by node', () => {
    const nodes = (parseLossless(built.dagText) as { nodes: JsonObject[] }).nodes;
    expect(nodes.map((n) => n.node_id)).toEqual(built.nodeIds);
    for (const node of nodes) {
      const { node_id, ...content } = node;
      expect(computeNodeId(content)).toBe(node_id);
    }
    expect(new Set(built.nodeIds).size).toBe(5);
  });

  it('derives interval from the timeframe, period from the warm-up, code_hash and schema ids', () => {
    expect(
      built.dag.nodes.map((n) => [n.node_type, n.interval, n.period, n.schema_compat_id, n.code_hash]),
    ).toEqual([
      ['StreamInput', 60, 200, 'ohlcv-v1', 'builtin:StreamInput'],
      ['sma', 60, 10, '', 'builtin:sma'],
      ['sma', 60, 50, '', 'builtin:sma'],
      ['crossover', 60, 1, '', 'builtin:crossover'],
      ['target_position', 60, 1, '', 'builtin:target_position'],
    ]);
    const [, fast, slow, cross] = built.dag.nodes;
    expect(cross!.dependencies).toEqual([fast!.node_id, slow!.node_id]);
    const s = new StrategyBuilder({ name: 'periods' });
    const px = s.input('ohlcv:binance:ETH/USDT:5m', { period: 500 });
    expect(px.interval).toBe(300);
    expect(s.node('rsi', { window: 14 }, [px]).period).toBe(15);
    expect(s.node('volatility', { window: 30 }, [px]).period).toBe(31);
    expect(s.node('ema', { window: 12 }, [px], { period: 100 }).period).toBe(100);
  });

  it("passes the Gateway's intake and validation as submitted, with the same strategy id and CRC", () => {
    const accepted = gatewayIntake(built);
    expect(accepted.strategyId).toBe(built.strategyId);
    expect(accepted.nodeIdsCrc32).toBe(built.crc32);
    expect(
      validateDag({
        field: 'dag',
        dag: accepted.dag,
        nodes: accepted.nodes,
        nodeIdsCrc32: built.crc32,
        catalog: BUILTIN_CATALOG,
      }),
    ).toBeUndefined();
    expect(built.strategyId).toBe(strategyIdOf(parseLossless(built.dagText) as { nodes: JsonObject[] }));
    expect(built.meta).toEqual({ name: 'sma-crossover' });
  });

  it('has the CRC-32 zlib computes over the ids concatenated in order', () => {
    expect(built.crc32).toBe(zlib.crc32(Buffer.from(built.nodeIds.join(''), 'utf8')));
    expect(built.crc32).toBe(nodeIdsCrc32(built.nodeIds));
    expect(built.crc32).not.toBe(nodeIdsCrc32([...built.nodeIds].reverse()));
  });

  it('is deterministic: the same strategy twice, or its siblings added in another order, is the same DAG', () => {
    expect(smaCrossover().dagText).toBe(built.dagText);
    const reordered = smaCrossover('slow-first');
    expect(reordered.dagText).not.toBe(built.dagText);
    expect(reordered.strategyId).toBe(built.strategyId);
    expect([...reordered.nodeIds].sort()).toEqual([...built.nodeIds].sort());
  });
});

describe('float literals', () => {
  it('float() keeps a float literal; a bare integer hashes as an integer', () => {
    expect(float(1).value).toBe('1.0');
    expect(float(0.5).value).toBe('0.5');
    expect(float(-3).value).toBe('-3.0');
    expect(float('2.5e-05').value).toBe('2.5e-05');
    expect(float('7').value).toBe('7.0');
    expect(() => float(NaN)).toThrow(RangeError);
    expect(() => float('1,5')).toThrow(RangeError);

    const sizes = [1, float(1), 0.5, float(0.5)].map((size) => {
      const s = new StrategyBuilder({ name: 'size' });
      const px = s.input(BTC_1M, { period: 200 });
      const ref = s.node('target_position', { size }, [
        s.node('crossover', {}, [px, s.node('sma', { window: 5 }, [px])]),
      ]);
      const built = s.build();
      const node = (parseLossless(built.dagText) as { nodes: JsonObject[] }).nodes.at(-1)!;
      return { id: ref.nodeId, params: nodeIdPayload(nodeIdentity(node)).split('|')[3], text: built.dagText };
    });
    expect(sizes.map((s) => s.params)).toEqual([
      '{"size":1}',
      '{"size":1.0}',
      '{"size":0.5}',
      '{"size":0.5}',
    ]);
    expect(sizes[0]!.id).not.toBe(sizes[1]!.id);
    expect(sizes[2]!.id).toBe(sizes[3]!.id);
    expect(sizes[1]!.text).toContain('"params":{"size":1.0}');
  });

  it('refuses numbers whose JSON would not be the number written', () => {
    const s = new StrategyBuilder({ name: 'big' });
    const px = s.input(BTC_1M, { period: 200 });
    expect(() =>
      s.custom({ nodeType: 'x.big', codeHash: 'sha256:1', params: { n: 2 ** 60 }, period: 1 }, [px]),
    ).toThrow(/past 2\^53/);
    expect(() =>
      s.custom({ nodeType: 'x.inf', codeHash: 'sha256:1', params: { n: Infinity }, period: 1 }, [px]),
    ).toThrow(/no JSON form/);
    const big = s.custom({ nodeType: 'x.big', codeHash: 'sha256:1', params: { n: 2n ** 60n }, period: 1 }, [
      px,
    ]);
    expect(s.build().dagText).toContain('"params":{"n":1152921504606846976}');
    expect(big.nodeId).toBe(
      computeNodeId(
        parseLossless(
          `{"node_type":"x.big","interval":60,"period":1,"params":{"n":1152921504606846976},"dependencies":["${px.nodeId}"],"schema_compat_id":"","code_hash":"sha256:1"}`,
        ) as JsonObject,
      ),
    );
  });
});

describe('what the builder refuses before anything is sent', () => {
  const fresh = () => {
    const s = new StrategyBuilder({ name: 't' });
    return { s, px: s.input(BTC_1M, { period: 200 }) };
  };

  it('params the library schema refuses, with the field named', () => {
    const { s, px } = fresh();
    // @ts-expect-error window is a number
    expect(() => s.node('sma', { window: 'ten' }, [px])).toThrow(/invalid params for sma: window/);
    // @ts-expect-error unknown param key
    expect(() => s.node('sma', { windw: 10 }, [px])).toThrow(BuildError);
    expect(() => s.node('target_position', { size: 2 }, [px])).toThrow(/size/);
    expect(() => s.node('threshold_signal', { lower: 80, upper: 20 }, [px])).toThrow(
      /lower must not exceed upper/,
    );
    // @ts-expect-error not a built-in node type
    expect(() => s.node('macd', {}, [px])).toThrow(/no built-in compute node type/);
  });

  it('wrong arity, foreign inputs, mixed intervals and bad sources', () => {
    const { s, px } = fresh();
    expect(() => s.node('crossover', {}, [px])).toThrow(/takes 2 input\(s\), got 1/);
    const other = new StrategyBuilder({ name: 'other' });
    const eth = other.input('ohlcv:sim:ETH/USDT:1m', { period: 200 });
    expect(() => s.node('sma', { window: 3 }, [eth])).toThrow(/not added to this builder/);
    const hourly = s.input('ohlcv:sim:ETH/USDT:1h', { period: 200 });
    expect(() => s.node('crossover', {}, [px, hourly])).toThrow(/different intervals \(60, 3600 s\)/);
    expect(s.node('crossover', {}, [px, hourly], { interval: '1h' }).interval).toBe(3600);
    expect(() => s.input('BTC/USDT', { period: 1 })).toThrow(/ohlcv:\{exchange\}/);
    expect(() => s.input('ohlcv:sim:BTC/USDT:1w', { period: 1 })).toThrow(BuildError);
    expect(() => s.input(BTC_1M, { period: -1 })).toThrow(/whole number/);
    expect(() => new StrategyBuilder({ name: ' ' })).toThrow(/needs a name/);
    expect(() => new StrategyBuilder({ name: 'empty' }).build()).toThrow(/has no nodes/);
    expect(() => s.custom({ nodeType: 'sma', codeHash: 'sha256:x', period: 1 }, [px])).toThrow(/built in/);
  });

  it('adds a node twice as one node, but refuses the same id with inputs in another order', () => {
    const { s, px } = fresh();
    const a = s.node('sma', { window: 5 }, [px]);
    expect(s.node('sma', { window: 5 }, [px])).toEqual(a);
    const b = s.node('ema', { window: 5 }, [px]);
    s.node('crossover', {}, [a, b]);
    // Node ids sort dependencies (QMTL's rule): crossover(b, a) would share the id of crossover(a, b).
    expect(() => s.node('crossover', {}, [b, a])).toThrow(/inputs in another order/);
    expect(s.build().nodeIds).toHaveLength(4);
  });

  it("reports a DAG the Gateway's checks would refuse as a BuildError carrying the problem", () => {
    const { s, px } = fresh();
    s.custom({ nodeType: 'x.ok', codeHash: 'sha256:1', period: 1 }, [px]);
    // Names and tags are free text but bounded by the DAG schema.
    s.node('sma', { window: 3 }, [px], { name: 'x'.repeat(300) });
    let error: unknown;
    try {
      s.build();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BuildError);
    expect((error as BuildError).problem?.code).toBe('E_VALIDATION');
  });

  it('tag queries: tags stripped, sorted and unique', () => {
    const { s } = fresh();
    const q = s.tagQuery([' eth', 'btc', 'eth', ''], { interval: 60, period: 0 });
    const node = s.build().dag.nodes.find((n) => n.node_id === q.nodeId)!;
    expect(node.params).toEqual({ query_tags: ['btc', 'eth'], match_mode: 'any' });
    expect(() => s.tagQuery([' '], { interval: 60, period: 0 })).toThrow(/at least one tag/);
    expect(() => s.tagQuery(['a'], { interval: 1.5, period: 0 })).toThrow(/whole seconds/);
  });
});

describe('the examples', () => {
  it('export built DAGs the Gateway accepts', () => {
    for (const example of [smaExample, rsiExample]) {
      const accepted = gatewayIntake(example.built);
      expect(accepted.strategyId).toBe(example.built.strategyId);
      expect(example.dag).toBe(example.built.dag);
      expect(example.nodeIds).toEqual(example.dag.nodes.map((n) => n.node_id));
    }
    expect(rsiExample.dag.nodes.map((n) => n.node_type)).toEqual([
      'StreamInput',
      'rsi',
      'threshold_signal',
      'target_position',
    ]);
  });

  it('share one input node, so the second strategy reuses the first one’s data', () => {
    expect(smaExample.nodeIds[0]).toBe(ID_INPUT);
    expect(rsiExample.nodeIds[0]).toBe(ID_INPUT);
    expect(smaExample.built.strategyId).not.toBe(rsiExample.built.strategyId);
  });

  it('the SMA example sends its size as the float 1.0', () => {
    const last = smaExample.dag.nodes.at(-1)!;
    expect(last.params.size).toEqual(new LosslessNumber('1.0'));
    expect(canonicalJson(last.params)).toBe('{"size":1.0}');
  });
});
