/** The DAG as a graph (order, cycles, references), queue names and the registry diff. */
import { diffDag, type DiffInputNode, type RegisteredVariant } from '../../domain/dag/diff';
import { duplicateNodeIds, findCycle, topologicalOrder, unknownDependencies } from '../../domain/dag/graph';
import type { NodeIdentity } from '../../domain/dag/node-id';
import { assetOfSource, nodeAssets, queueMap, queueName } from '../../domain/dag/queues';

const n = (node_id: string, ...dependencies: string[]) => ({ node_id, dependencies });

describe('graph', () => {
  it('orders every node after its dependencies, deterministically', () => {
    const nodes = [n('sig', 'fast', 'slow'), n('slow', 'in'), n('fast', 'in'), n('in')];
    expect(topologicalOrder(nodes)).toEqual(['in', 'fast', 'slow', 'sig']);
    expect(topologicalOrder([...nodes].reverse())).toEqual(['in', 'fast', 'slow', 'sig']);
    expect(topologicalOrder([n('b'), n('a')])).toEqual(['b', 'a']); // independent nodes keep submitted order
  });

  it('finds a cycle and names it from its first node back to it', () => {
    expect(findCycle([n('a', 'b'), n('b', 'c'), n('c', 'a')])).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle([n('x'), n('a', 'a')])).toEqual(['a', 'a']);
    expect(findCycle([n('a', 'b'), n('b')])).toBeUndefined();
    expect(() => topologicalOrder([n('a', 'b'), n('b', 'a')])).toThrow('a -> b -> a');
  });

  it('handles a 20 000-node chain without exhausting the stack', () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => (i === 0 ? n('n0') : n(`n${i}`, `n${i - 1}`)));
    const order = topologicalOrder([...chain].reverse());
    expect(order[0]).toBe('n0');
    expect(order[19_999]).toBe('n19999');
  });

  it('reports repeated ids and dependencies outside the DAG', () => {
    expect(duplicateNodeIds([n('a'), n('b'), n('a')])).toEqual([{ node_id: 'a', indices: [0, 2] }]);
    expect(unknownDependencies([n('a', 'zz'), n('b', 'a', 'yy')])).toEqual([
      { index: 0, position: 0, dependency: 'zz' },
      { index: 1, position: 1, dependency: 'yy' },
    ]);
    expect(topologicalOrder([n('a', 'zz')])).toEqual(['a']); // outside ids are not graph nodes
  });
});

const ID = (c: string) => 'blake3:' + c.repeat(64);
const input = (id: string, source: string) => ({
  node_id: id,
  node_type: 'StreamInput',
  params: { source },
  dependencies: [],
});
const indicator = (id: string, nodeType: string, ...dependencies: string[]) => ({
  node_id: id,
  node_type: nodeType,
  params: { window: 20 },
  dependencies,
});

describe('queue names', () => {
  it('reads the asset from the source symbol base', () => {
    expect(assetOfSource('ohlcv:sim:BTC/USDT:1m')).toBe('btc');
    expect(assetOfSource('ohlcv:binance:ETH/USDT:USDT:1h')).toBe('eth');
    expect(assetOfSource('ohlcv:sim')).toBeUndefined();
  });

  it('is {asset}_{node_type}_{8 hex}_v1, assets inherited from the inputs', () => {
    const nodes = [
      input(ID('1'), 'ohlcv:sim:BTC/USDT:1m'),
      indicator(ID('2'), 'sma', ID('1')),
      input(ID('3'), 'ohlcv:sim:ETH/USDT:1m'),
      indicator(ID('4'), 'crossover', ID('2'), ID('3')),
      indicator(ID('5'), 'my.plugin'),
    ];
    expect(Object.fromEntries(nodeAssets(nodes))).toEqual({
      [ID('1')]: 'btc',
      [ID('2')]: 'btc',
      [ID('3')]: 'eth',
      [ID('4')]: 'na',
      [ID('5')]: 'na',
    });
    expect(Object.fromEntries(queueMap(nodes))).toEqual({
      [ID('1')]: 'btc_StreamInput_11111111_v1',
      [ID('2')]: 'btc_sma_22222222_v1',
      [ID('3')]: 'eth_StreamInput_33333333_v1',
      [ID('4')]: 'na_crossover_44444444_v1',
      [ID('5')]: 'na_my-plugin_55555555_v1', // dots separate namespace segments, so none inside one
    });
  });

  it('takes an optional {world}.{domain}. prefix', () => {
    const name = queueName({
      asset: 'btc',
      nodeType: 'sma',
      nodeId: ID('a'),
      namespace: { world: 'Crypto-Majors', domain: 'live' },
    });
    expect(name).toBe('crypto-majors.live.btc_sma_aaaaaaaa_v1');
  });
});

describe('diff against the registry', () => {
  const identity = (schemaCompatId: string): NodeIdentity => ({
    nodeType: 'sma',
    interval: '60',
    period: '20',
    paramsJson: '{"window":20}',
    dependencies: [ID('1')],
    schemaCompatId,
    codeHash: 'builtin:sma',
  });
  const inputNode: DiffInputNode = {
    ...input(ID('1'), 'ohlcv:sim:BTC/USDT:1m'),
    period: 200,
    identity: { ...identity('ohlcv-v1'), nodeType: 'StreamInput', paramsJson: '{"source":"x"}' },
  };
  const smaNode: DiffInputNode = {
    ...indicator(ID('2'), 'sma', ID('1')),
    period: 20,
    identity: identity('v2'),
  };
  const registered: RegisteredVariant = {
    nodeId: ID('9'),
    nodeType: 'sma',
    interval: 60,
    paramsJson: '{"window":20}',
    codeHash: 'builtin:sma',
    schemaCompatId: 'v1',
  };

  it('classifies reused, buffering (with warm-up) and new, and maps every queue', () => {
    const diff = diffDag([inputNode, smaNode], { known: new Set([ID('1')]), variants: [registered] });
    expect(diff).toEqual({
      nodes: [
        { node_id: ID('1'), status: 'reused', queue: 'btc_StreamInput_11111111_v1' },
        {
          node_id: ID('2'),
          status: 'buffering',
          queue: 'btc_sma_22222222_v1',
          warmup_bars: 20,
          replaces: ID('9'),
        },
      ],
      queue_map: { [ID('1')]: 'btc_StreamInput_11111111_v1', [ID('2')]: 'btc_sma_22222222_v1' },
    });
  });

  it('is new when type, interval, params or code differ, or the schema is the same', () => {
    const statusWith = (variant: Partial<RegisteredVariant>) =>
      diffDag([inputNode, smaNode], { known: new Set(), variants: [{ ...registered, ...variant }] }).nodes[1]!
        .status;
    expect(statusWith({})).toBe('buffering');
    expect(statusWith({ interval: 300 })).toBe('new');
    expect(statusWith({ paramsJson: '{"window":21}' })).toBe('new');
    expect(statusWith({ codeHash: 'builtin:ema' })).toBe('new');
    expect(statusWith({ schemaCompatId: 'v2' })).toBe('new');
  });
});
