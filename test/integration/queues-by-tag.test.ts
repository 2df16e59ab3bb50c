/**
 * GET /v1/queues/by_tag through the Gateway: a strategy whose nodes carry tags
 * is submitted (which registers its nodes), then its queues are found by any
 * or all of the tags and by interval, each named as the diff names it.
 */
import { StrategyBuilder, submissionBody } from '../../sdk';
import { bootStack, type Stack } from '../support/stack';

jest.setTimeout(120_000);

const WORLD = 'tags-world';
// One closed hour keeps the background backtest small.
const META = { backtest: { start: '2025-03-01T00:00:00Z', end: '2025-03-01T01:00:00Z' } };

function taggedStrategy() {
  const s = new StrategyBuilder({ name: 'tagged', meta: META });
  const price = s.input('ohlcv:sim:ETH/USDT:1m', { period: 100, tags: ['eth', 'price'] });
  const fast = s.node('sma', { window: 5 }, [price], { tags: ['eth', 'trend', 'fast'] });
  const slow = s.node('sma', { window: 30 }, [price], { tags: ['eth', 'trend'] });
  const hourly = s.node('ema', { window: 3 }, [price], { interval: '1h', tags: ['trend'] });
  s.node('crossover', { mode: 'level' }, [fast, slow]);
  return { built: s.build(), ids: { price, fast, slow, hourly } };
}

describe('GET /v1/queues/by_tag', () => {
  let stack: Stack;
  const { built, ids } = taggedStrategy();
  const byTag = (query: string) => stack.api('GET', `/v1/queues/by_tag?${query}`);
  const nodeIds = (answer: { body: { queues: Array<{ node_id: string }> } }) =>
    answer.body.queues.map((q) => q.node_id);

  beforeAll(async () => {
    stack = await bootStack();
    expect((await stack.api('POST', '/v1/worlds', { id: WORLD })).status).toBe(201);
    const submitted = await stack.api('POST', '/v1/strategies', submissionBody(built, [WORLD]));
    expect(submitted.status).toBe(202);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers the queues of nodes with any of the tags, sorted by queue, named as the diff names them', async () => {
    const answer = await byTag('tags=trend,price');
    expect(answer.status).toBe(200);
    const diff = await stack.api('POST', '/v1/dags/diff', { dag: built.dag });
    const queueOf = (id: string): string => diff.body.queue_map[id];
    const expected = [
      { node_id: ids.price.nodeId, tags: ['eth', 'price'], interval: 60, node_type: 'StreamInput' },
      { node_id: ids.fast.nodeId, tags: ['eth', 'trend', 'fast'], interval: 60, node_type: 'sma' },
      { node_id: ids.slow.nodeId, tags: ['eth', 'trend'], interval: 60, node_type: 'sma' },
      { node_id: ids.hourly.nodeId, tags: ['trend'], interval: 3600, node_type: 'ema' },
    ]
      .map((q) => ({ ...q, queue: queueOf(q.node_id) }))
      .sort((a, b) => (a.queue < b.queue ? -1 : 1));
    expect(answer.body.queues).toEqual(expected);
    expect(answer.body.queues.map((q: { queue: string }) => q.queue)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^eth_sma_[0-9a-f]{8}_v1$/)]),
    );
  });

  it('narrows to nodes carrying every tag with match_mode=all, and by interval', async () => {
    expect(nodeIds(await byTag('tags=eth,trend&match_mode=all')).sort()).toEqual(
      [ids.fast.nodeId, ids.slow.nodeId].sort(),
    );
    expect(nodeIds(await byTag('tags=%20fast%20,eth,trend&match_mode=all'))).toEqual([ids.fast.nodeId]);
    expect(nodeIds(await byTag('tags=trend&interval=3600'))).toEqual([ids.hourly.nodeId]);
    expect(nodeIds(await byTag('tags=trend,eth&match_mode=all&interval=3600'))).toEqual([]);
    expect((await byTag('tags=nobody')).body).toEqual({ queues: [] });
  });

  it.each([
    ['no tags', '', 'query.tags'],
    ['empty tags', 'tags=,%20,', 'query.tags'],
    ['33 tags', `tags=${Array.from({ length: 33 }, (_, i) => `t${i}`).join(',')}`, 'query.tags'],
    ['bad match_mode', 'tags=eth&match_mode=some', 'query.match_mode'],
    ['negative interval', 'tags=eth&interval=-1', 'query.interval'],
    ['fractional interval', 'tags=eth&interval=1.5', 'query.interval'],
    ['unknown parameter', 'tags=eth&asset=btc', 'query.asset'],
  ])('refuses %s with 400 problem+json', async (_name, query, path) => {
    const answer = await byTag(query);
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.body.code).toBe('E_VALIDATION');
    expect(answer.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  });
});
