/**
 * DAG validation, dry-run, diff and the node registry through the whole
 * stack: every code the Gateway answers for a DAG, in SPEC §6 precedence,
 * on submit, dry-run and diff alike (they share one intake).
 */
import { nodeIdsCrc32 } from '../../domain/dag/checksum';
import { ID_INPUT, INPUT_NODE, nodeIdOf, smaBody, smaNode, submission, withId } from '../fixtures/dags';
import { bootStack, type Stack } from '../support/stack';

jest.setTimeout(120_000);

const WORLD = 'dag-checks';
const FAKE = (c: string) => 'blake3:' + c.repeat(64);
const ID_SMA = nodeIdOf(smaBody('20'));

/** Two nodes that depend on each other: content ids can never be right for both. */
const CYCLE = [
  `{"node_id":"${FAKE('a')}","node_type":"sma","interval":60,"period":5,"params":{},"dependencies":["${FAKE('b')}"],"schema_compat_id":"","code_hash":"builtin:sma"}`,
  `{"node_id":"${FAKE('b')}","node_type":"sma","interval":60,"period":5,"params":{},"dependencies":["${FAKE('a')}"],"schema_compat_id":"","code_hash":"builtin:sma"}`,
];
const withSchemaId = (node: string, schemaId: string) =>
  node.replace('"schema_compat_id"', `"schema_id":"${schemaId}","schema_compat_id"`);
const crc = (value: number) => `,"node_ids_crc32":${value}`;
const custom = (nodeType: string, deps: string[], codeHash = 'sha256:abc') =>
  withId(
    `{"node_type":"${nodeType}","interval":60,"period":5,"params":{"k":1},"dependencies":${JSON.stringify(deps)},"schema_compat_id":"","code_hash":"${codeHash}"}`,
  );

describe('DAG validation through the Gateway', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await bootStack();
    expect((await stack.api('POST', '/v1/worlds', { id: WORLD })).status).toBe(201);
  });
  afterAll(async () => {
    await stack?.close();
  });

  // Each row: a DAG with several problems, and the one code that must win.
  const precedence: Array<{ name: string; code: string; nodes: string[]; extra?: string }> = [
    {
      name: 'missing field + cycle + bad checksum',
      code: 'E_NODE_ID_FIELDS',
      nodes: [CYCLE[0]!.replace(',"period":5', ''), CYCLE[1]!],
      extra: crc(1),
    },
    {
      name: 'bad field type + schema conflict',
      code: 'E_VALIDATION',
      nodes: [withSchemaId(INPUT_NODE.replace('"period":200', '"period":"200"'), 'x')],
    },
    {
      name: 'schema conflict + bad checksum',
      code: 'E_SCHEMA_COMPAT_MISMATCH',
      nodes: [withSchemaId(INPUT_NODE, 'ohlcv-v9')],
      extra: crc(1),
    },
    {
      name: 'bad checksum + wrong id',
      code: 'E_CHECKSUM_MISMATCH',
      nodes: [INPUT_NODE, withId(smaBody('20'), FAKE('d'))],
      extra: crc(1),
    },
    {
      name: 'wrong id + cycle + unknown type',
      code: 'E_NODE_ID_MISMATCH',
      nodes: [...CYCLE, custom('nope', [])],
    },
    {
      name: 'dependency outside the DAG + unknown type',
      code: 'E_VALIDATION',
      nodes: [custom('nope', [FAKE('f')])],
    },
    {
      name: 'unknown node type',
      code: 'E_NODE_TYPE_UNKNOWN',
      nodes: [INPUT_NODE, custom('nope', [ID_INPUT])],
    },
    {
      name: 'built-in type with foreign code',
      code: 'E_NODE_TYPE_UNKNOWN',
      nodes: [INPUT_NODE, custom('sma', [ID_INPUT])],
    },
  ];

  it.each(precedence)('$name → $code on submit', async ({ code, nodes, extra }) => {
    const res = await stack.api('POST', '/v1/strategies', submission(nodes, [WORLD], extra));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ code, status: 400, type: `https://qmtl.dev/problems/${code}` });
    expect(res.body.errors.length).toBeGreaterThan(0);
  });

  it('E_NODE_ID_MISMATCH names the offending node_id and the expected id', async () => {
    const res = await stack.api(
      'POST',
      '/v1/strategies',
      submission([INPUT_NODE, withId(smaBody('20'), FAKE('e'))], [WORLD]),
    );
    expect(res.body).toMatchObject({
      code: 'E_NODE_ID_MISMATCH',
      node_id: FAKE('e'),
      expected: ID_SMA,
      errors: [{ path: 'dag.nodes.1.node_id', message: `expected ${ID_SMA}` }],
    });
  });

  it('E_CHECKSUM_MISMATCH tells the checksum of the ids as submitted', async () => {
    const res = await stack.api('POST', '/v1/strategies', submission([INPUT_NODE], [WORLD], crc(7)));
    expect(res.body).toMatchObject({
      code: 'E_CHECKSUM_MISMATCH',
      node_ids_crc32: 7,
      expected: nodeIdsCrc32([ID_INPUT]),
    });
  });

  it('names the path of a dependency outside the DAG', async () => {
    const res = await stack.api(
      'POST',
      '/v1/strategies',
      submission([custom('sma', [FAKE('f')], 'builtin:sma')], [WORLD]),
    );
    expect(res.body).toMatchObject({
      code: 'E_VALIDATION',
      errors: [{ path: 'dag.nodes.0.dependencies.0', code: 'unknown_dependency' }],
    });
  });

  it('refuses a cycle: its ids cannot be right, so E_NODE_ID_MISMATCH answers before E_DAG_CYCLE', async () => {
    const res = await stack.api('POST', '/v1/strategies', submission(CYCLE, [WORLD]));
    expect(res.body.code).toBe('E_NODE_ID_MISMATCH');
    expect(res.body.node_id_mismatch).toHaveLength(2);
  });

  it('answers dry-run and diff with the same codes, dag_json paths included', async () => {
    const wrong = `{"nodes":[${INPUT_NODE},${withId(smaBody('20'), FAKE('e'))}]}`;
    const dagJson = Buffer.from(wrong).toString('base64');
    const dryRun = await stack.api('POST', '/v1/strategies/dry-run', {
      dag_json: dagJson,
      world_ids: [WORLD],
    });
    const diff = await stack.api('POST', '/v1/dags/diff', { dag_json: dagJson });
    for (const res of [dryRun, diff]) {
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 'E_NODE_ID_MISMATCH',
        errors: [{ path: 'dag_json.nodes.1.node_id' }],
      });
    }
    const missing = await stack.api(
      'POST',
      '/v1/dags/diff',
      `{"dag":{"nodes":[${CYCLE[0]!.replace(',"period":5', '')}]}}`,
    );
    expect(missing.body.code).toBe('E_NODE_ID_FIELDS');
  });

  it('dry-run validates and diffs without starting anything', async () => {
    const res = await stack.api(
      'POST',
      '/v1/strategies/dry-run',
      submission(
        [INPUT_NODE, smaNode('21')],
        [WORLD],
        crc(nodeIdsCrc32([ID_INPUT, nodeIdOf(smaBody('21'))])),
      ),
    );
    expect(res.status).toBe(200);
    const smaId = nodeIdOf(smaBody('21'));
    expect(res.body).toMatchObject({
      node_count: 2,
      diff: {
        nodes: [
          { node_id: ID_INPUT, queue: `btc_StreamInput_${ID_INPUT.slice(7, 15)}_v1` },
          { node_id: smaId, status: 'new', queue: `btc_sma_${smaId.slice(7, 15)}_v1` },
        ],
      },
    });
    expect(res.body.strategy_id).toMatch(/^[0-9a-f]{64}$/);
    expect((await stack.api('GET', `/v1/strategies/${res.body.strategy_id}`)).status).toBe(404);
    expect(await stack.store.strategies.get(res.body.strategy_id)).toBeUndefined();
    expect((await stack.api('GET', `/v1/nodes/${smaId}`)).status).toBe(404);
    const noWorld = await stack.api('POST', '/v1/strategies/dry-run', submission([INPUT_NODE], ['atlantis']));
    expect(noWorld.body).toMatchObject({ code: 'E_NOT_FOUND', world_id: 'atlantis' });
  });

  it('registers the nodes of an accepted strategy; diff then reports them reused', async () => {
    const nodes = [INPUT_NODE, smaNode('20')];
    const sent = await stack.api(
      'POST',
      '/v1/strategies',
      submission(nodes, [WORLD], crc(nodeIdsCrc32([ID_INPUT, ID_SMA]))),
    );
    expect(sent.status).toBe(202);
    const strategyId: string = sent.body.strategy_id;

    const node = await stack.api('GET', `/v1/nodes/${ID_SMA}`);
    expect(node.status).toBe(200);
    expect(node.body).toMatchObject({
      node_id: ID_SMA,
      node_type: 'sma',
      interval: 60,
      period: 20,
      params: { window: 20 },
      params_json: '{"window":20}',
      dependencies: [ID_INPUT],
      code_hash: 'builtin:sma',
      first_strategy_id: strategyId,
      queue: `btc_sma_${ID_SMA.slice(7, 15)}_v1`,
    });

    const ema = withId(smaBody('20').replace('"sma"', '"ema"').replace('builtin:sma', 'builtin:ema'));
    const emaId = nodeIdOf(smaBody('20').replace('"sma"', '"ema"').replace('builtin:sma', 'builtin:ema'));
    const diff = await stack.api(
      'POST',
      '/v1/dags/diff',
      `{"dag":{"nodes":[${ema},${smaNode('20')},${INPUT_NODE}]}}`,
    );
    expect(diff.status).toBe(200);
    expect(diff.body.nodes.map((n: { node_id: string; status: string }) => [n.node_id, n.status])).toEqual([
      [ID_INPUT, 'reused'],
      [emaId, 'new'],
      [ID_SMA, 'reused'],
    ]);
    expect(diff.body.queue_map[emaId]).toBe(`btc_ema_${emaId.slice(7, 15)}_v1`);

    // A second strategy sharing the input does not take its registration over.
    const other = await stack.api('POST', '/v1/strategies', submission([INPUT_NODE, ema], [WORLD]));
    expect(other.status).toBe(202);
    expect((await stack.api('GET', `/v1/nodes/${ID_INPUT}`)).body.first_strategy_id).toBe(strategyId);
    expect((await stack.api('GET', `/v1/nodes/${emaId}`)).body.first_strategy_id).toBe(
      other.body.strategy_id,
    );
  });

  it('refuses paper settings a paper run could not use, naming the field, and stores nothing', async () => {
    const meta = (paper: unknown) => `,"meta":{"note":"free-form stays","paper":${JSON.stringify(paper)}}`;
    for (const [paper, path] of [
      [{ order: { type: 'limit' } }, 'body.meta.paper.order.offset_bps'],
      [{ order: { type: 'stop', offset_bps: 1 } }, 'body.meta.paper.order.type'],
      [{ order_poll_ms: 5 }, 'body.meta.paper.order_poll_ms'],
      [
        { risk_limits: { maxPositionQty: { limit: 1, mode: 'clip' } } },
        'body.meta.paper.risk_limits.maxPositionQty.limit',
      ],
    ] as const) {
      const res = await stack.api('POST', '/v1/strategies', submission([INPUT_NODE], [WORLD], meta(paper)));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'E_VALIDATION', errors: [expect.objectContaining({ path })] });
    }
    // Refused before the store: the same DAG without the settings is a new submission.
    const plain = await stack.api('POST', '/v1/strategies', submission([INPUT_NODE], [WORLD]));
    expect(plain.status).toBe(202);
  });

  it('answers unknown and malformed node ids with 404 and 400', async () => {
    expect((await stack.api('GET', `/v1/nodes/${FAKE('0')}`)).body).toMatchObject({
      status: 404,
      code: 'E_NOT_FOUND',
    });
    expect((await stack.api('GET', '/v1/nodes/blake3:XYZ')).body).toMatchObject({
      status: 400,
      code: 'E_VALIDATION',
      errors: [{ path: 'params.id' }],
    });
  });

  it('lets a reader diff and read nodes, but not dry-run', async () => {
    const created = await stack.api('POST', '/v1/keys', { name: 'dag reader', role: 'reader' });
    const key: string = created.body.key;
    const diff = await stack.api(
      'POST',
      '/v1/dags/diff',
      submission([INPUT_NODE], []).replace(',"world_ids":[]', ''),
      key,
    );
    expect(diff.status).toBe(200);
    expect((await stack.api('GET', `/v1/nodes/${ID_INPUT}`, undefined, key)).status).toBe(200);
    const dryRun = await stack.api('POST', '/v1/strategies/dry-run', submission([INPUT_NODE], [WORLD]), key);
    expect(dryRun.status).toBe(403);
  });
});
