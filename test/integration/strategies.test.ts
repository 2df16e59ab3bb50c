/**
 * The first vertical slice through the real stack: Gateway → Temporal dev
 * server → worker → store, and back by query and visibility.
 */
import { INPUT_NODE, smaNode, submission } from '../fixtures/dags';
import { runBadInputTable } from '../support/bad-input';
import { recordHistory } from '../support/histories';
import { bootStack, type Stack } from '../support/stack';
import { retireWorldSignal } from '../../workflows/world';
import { eventually } from '../support/eventually';

jest.setTimeout(120_000);

describe('strategies and worlds through the Gateway', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await bootStack();
    const world = await stack.api('POST', '/v1/worlds', { id: 'crypto-majors', name: 'Crypto majors' });
    expect(world.status).toBe(201);
  });
  afterAll(async () => {
    // Retire the world so its recorded history is complete: replay only checks commands that history shows.
    const handle = stack.client.workflow.getHandle('world:crypto-majors');
    await handle.signal(retireWorldSignal, { reason: 'test over' });
    await handle.result();
    await recordHistory(stack.client, 'world:crypto-majors', 'created-retired');
    await stack.close();
  });

  it('answers a world from its workflow, and refuses a second world with the same id', async () => {
    const got = await stack.api('GET', '/v1/worlds/crypto-majors');
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      id: 'crypto-majors',
      name: 'Crypto majors',
      allow_live: false,
      state: 'ACTIVE',
    });
    const again = await stack.api('POST', '/v1/worlds', { id: 'crypto-majors' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('E_DUPLICATE');
    expect((await stack.api('GET', '/v1/worlds/nowhere')).body.code).toBe('E_NOT_FOUND');
  });

  it('submits a DAG, runs its workflow with search attributes, and refuses the same DAG again', async () => {
    const first = await stack.api(
      'POST',
      '/v1/strategies',
      submission([INPUT_NODE, smaNode('20')], ['crypto-majors']),
    );
    expect(first.status).toBe(202);
    const id: string = first.body.strategy_id;
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(first.body).toMatchObject({ workflow_id: `strategy:${id}`, status: 'queued', node_count: 2 });
    expect(first.headers.get('location')).toBe(`/v1/strategies/${id}`);

    // Running while its backtest runs; a DAG with nothing to trade completes quickly (dag-runs.test.ts covers runs).
    const running = await eventually(
      () => stack.api('GET', `/v1/strategies/${id}`),
      (r) => ['running', 'completed'].includes(r.body?.status),
    );
    expect(running.body).toMatchObject({
      strategy_id: id,
      node_count: 2,
      bindings: [{ world_id: 'crypto-majors', effective_mode: 'compute-only', reason: 'no_decision' }],
    });

    // Same DAG, nodes reversed and sent as base64: same content, same id, 409.
    const dagText = `{"nodes":[${smaNode('20')},${INPUT_NODE}]}`;
    const again = await stack.api('POST', '/v1/strategies', {
      dag_json: Buffer.from(dagText).toString('base64'),
      world_ids: ['crypto-majors'],
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'E_DUPLICATE', strategy_id: id });

    const listed = await eventually(
      async () => {
        const out = [];
        for await (const wf of stack.client.workflow.list({
          // Its DAG runs carry the strategy id too; the strategy is the one strategyWorkflow.
          query: `QmtlStrategyId = '${id}' AND WorkflowType = 'strategyWorkflow'`,
        }))
          out.push(wf);
        return out;
      },
      (out) => out.length === 1,
    );
    expect(listed[0]?.workflowId).toBe(`strategy:${id}`);
    expect(
      listed[0]?.typedSearchAttributes.get({ name: 'QmtlWorldId', type: 'KEYWORD_LIST' } as never),
    ).toEqual(['crypto-majors']);

    const completed = await eventually(
      () => stack.api('GET', `/v1/strategies/${id}`),
      (r) => r.body?.status === 'completed',
    );
    expect(completed.body.status).toBe('completed');
    expect((await stack.api('POST', `/v1/strategies/${id}/stop`)).body.code).toBe('E_CONFLICT');
    // A new case name: submitted-running-stopped.json is the pre-DAG-runs history the replay test keeps.
    await recordHistory(stack.client, `strategy:${id}`, 'submitted-compute-only-completed');
  });

  it('keeps a float literal: window 20.0 is a different strategy from window 20', async () => {
    const res = await stack.api(
      'POST',
      '/v1/strategies',
      submission([INPUT_NODE, smaNode('20.0')], ['crypto-majors']),
    );
    expect(res.status).toBe(202);
    const int = await stack.store.strategies.list({ limit: 10, offset: 0 });
    expect(int.find((s) => s.strategyId === res.body.strategy_id)?.dagJson).toContain('"window":20.0');
  });

  it('refuses DAG problems with their codes', async () => {
    const missing = await stack.api(
      'POST',
      '/v1/strategies',
      submission([INPUT_NODE.replace(',"period":200', '')], ['crypto-majors']),
    );
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ code: 'E_NODE_ID_FIELDS', errors: [{ path: 'dag.nodes.0' }] });

    const noWorld = await stack.api('POST', '/v1/strategies', submission([INPUT_NODE], ['atlantis']));
    expect(noWorld.status).toBe(404);
    expect(noWorld.body).toMatchObject({ code: 'E_NOT_FOUND', world_id: 'atlantis' });

    const both = await stack.api('POST', '/v1/strategies', {
      dag: { nodes: [] },
      dag_json: 'e30=',
      world_ids: ['crypto-majors'],
    });
    expect(both.body.code).toBe('E_VALIDATION');
  });

  it('refuses bad input on every endpoint with 4xx problem+json, never 5xx', async () => {
    const failures = await runBadInputTable(stack.url, stack.adminKey, stack.routes, {
      maxBodyBytes: stack.config.maxBodyBytes,
    });
    expect(failures).toEqual([]);
  });

  // Every endpoint that takes a DAG as base64 refuses bad base64, and base64 of something that is not JSON.
  const DAG_ENDPOINTS = ['/v1/strategies', '/v1/strategies/dry-run', '/v1/dags/diff'];
  const BAD_DAG_JSON: Array<[string, string, string]> = [
    ['not base64 at all', '!!not-base64!!', 'invalid_base64'],
    ['base64 with a broken tail', 'eyJub2Rlcy', 'invalid_base64'],
    ['base64 of non-JSON', Buffer.from('{nodes: oops').toString('base64'), 'invalid_json'],
  ];
  it.each(DAG_ENDPOINTS.flatMap((route) => BAD_DAG_JSON.map((bad) => [route, ...bad] as const)))(
    '%s refuses dag_json that is %s',
    async (route, _label, dagJson, issue) => {
      const body: Record<string, unknown> = { dag_json: dagJson };
      if (route !== '/v1/dags/diff') body.world_ids = ['crypto-majors'];
      const res = await fetch(`${stack.url}${route}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await res.json()) as { code: string; errors: Array<{ path: string; code: string }> };
      expect(problem.code).toBe('E_VALIDATION');
      expect(problem.errors).toEqual([expect.objectContaining({ path: 'dag_json', code: issue })]);
    },
  );
});
