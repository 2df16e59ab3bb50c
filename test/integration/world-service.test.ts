/**
 * The WorldService through the real stack (SPEC §9): the default-safe table
 * rule by rule, each read both as `decide` and as the order gate of
 * POST /v1/orders; world change and delete; bindings; evaluate with QMTL's
 * sample policy; audit versions.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { writeActivationUpdate } from '../../workflows/world-messages';
import { eventually } from '../support/eventually';
import { bootStack, type ApiAnswer, type Stack } from '../support/stack';

jest.setTimeout(180_000);

const WORLD = 'gate-desk';
const SAMPLE_YAML = readFileSync(
  path.resolve(__dirname, '..', 'fixtures', 'policies', 'qmtl-sample.yaml'),
  'utf8',
);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('WorldService through the Gateway', () => {
  let stack: Stack;
  let intents = 0;

  /** Like stack.api, with extra headers (If-Match, X-Allow-Live) and YAML text bodies. */
  const call = async (
    method: string,
    route: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const yaml = typeof body === 'string';
    const res = await fetch(`${stack.url}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${stack.adminKey}`,
        ...(body === undefined ? {} : { 'content-type': yaml ? 'application/yaml' : 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : yaml ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text ? JSON.parse(text) : undefined,
      headers: res.headers,
    } as ApiAnswer;
  };
  const activate = async (write: Record<string, unknown>, world = WORLD) => {
    const res = await call('PUT', `/v1/worlds/${world}/activation`, { strategy_id: 'alpha', ...write });
    expect(res.status).toBe(200);
    return res.body as { etag: number; entries: { ts: string }[] };
  };
  const decide = (query: string) => call('GET', `/v1/worlds/${WORLD}/decide?${query}`);
  const order = (over: Record<string, unknown> = {}) =>
    call('POST', '/v1/orders', {
      world_id: WORLD,
      strategy_id: 'alpha',
      intent_id: `gate-${++intents}`,
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'market',
      qty: '0.01',
      tif: 'GTC',
      ...over,
    });
  const expectClosed = async (reason: string) => {
    const res = await order();
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'E_GATE_CLOSED', reason, strategy_id: 'alpha', world_id: WORLD });
  };
  const expectDecision = async (reason: string, mode = 'compute-only') => {
    const res = await decide(`as_of=${new Date().toISOString()}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ effective_mode: mode, reason });
  };

  beforeAll(async () => {
    stack = await bootStack();
    for (const id of [WORLD, 'crud-desk', 'eval-desk'])
      expect((await stack.api('POST', '/v1/worlds', { id })).status).toBe(201);
  });
  afterAll(() => stack.close());

  it('no activation: decide DECISION_MISSING, the gate ACTIVATION_MISSING; manual orders pass', async () => {
    const res = await decide(`as_of=${new Date().toISOString()}`);
    expect(res.body).toMatchObject({
      world_id: WORLD,
      policy_version: null,
      effective_mode: 'compute-only',
      execution_domain: 'backtest',
      reason: 'DECISION_MISSING',
      ttl: 300,
      dataset_fingerprint: null,
      allow_live: false,
    });
    await expectClosed('ACTIVATION_MISSING');
    expect((await order({ strategy_id: undefined })).status).toBe(202);
  });

  it('an open paper entry: decide paper, orders on both sides accepted; the rest of the decision rules', async () => {
    const written = await activate({ active: true, weight: 0.5 });
    expect(written.entries).toHaveLength(2);
    const asOf = new Date().toISOString();
    expect((await decide(`as_of=${asOf}`)).body).toMatchObject({
      effective_mode: 'paper',
      execution_domain: 'dryrun',
      reason: 'OK',
      as_of: asOf,
    });
    expect((await decide(`as_of=${asOf}&strategy_id=beta`)).body.reason).toBe('DECISION_MISSING');
    expect((await decide('')).body).toMatchObject({
      effective_mode: 'compute-only',
      reason: 'DECISION_AS_OF_MISSING',
      as_of: null,
    });
    const before = new Date(Date.parse(written.entries[0]!.ts) - 1000).toISOString();
    expect((await decide(`as_of=${before}`)).body.reason).toBe('DECISION_FROM_FUTURE');
    expect((await order()).status).toBe(202);
    expect((await order({ side: 'sell' })).status).toBe(202);
    // Live on a world without allow_live: the live guard refuses before the gate is asked.
    const live = await call(
      'POST',
      '/v1/orders',
      {
        world_id: WORLD,
        strategy_id: 'alpha',
        intent_id: 'live-1',
        symbol: 'BTC/USDT',
        side: 'buy',
        type: 'market',
        qty: '0.01',
        tif: 'GTC',
        mode: 'live',
      },
      { 'X-Allow-Live': 'true' },
    );
    expect(live.status).toBe(403);
  });

  it('as_of older than now − decision_ttl_sec → DECISION_STALE', async () => {
    expect((await call('PUT', `/v1/worlds/${WORLD}`, { settings: { decision_ttl_sec: 1 } })).status).toBe(
      200,
    );
    const asOf = new Date().toISOString();
    await sleep(1200); // the read must age past the 1 s ttl
    expect((await decide(`as_of=${asOf}`)).body).toMatchObject({ reason: 'DECISION_STALE', ttl: 1 });
    expect((await call('PUT', `/v1/worlds/${WORLD}`, { settings: { decision_ttl_sec: 300 } })).status).toBe(
      200,
    );
  });

  it.each([
    [{ active: false }, 'ACTIVATION_INACTIVE'],
    [{ active: true, freeze: true }, 'ACTIVATION_FROZEN'],
    [{ active: true, drain: true }, 'ACTIVATION_DRAINING'],
  ])('%p closes the gate with %s and leaves no decision', async (write, reason) => {
    await activate(write);
    await expectClosed(reason);
    await expectDecision('DECISION_MISSING');
  });

  it('an entry past valid_until reads active=false, weight 0, and closes the gate', async () => {
    const { etag } = await activate({
      active: true,
      weight: 0.5,
      valid_until: new Date(Date.now() + 1500).toISOString(),
    });
    // Waits for the world's timer to close the entries (their etag moves past the write's).
    const read = await eventually(
      () => call('GET', `/v1/worlds/${WORLD}/activation`),
      (r) => r.body.entries.every((e: { etag: number }) => e.etag > etag),
    );
    expect(
      read.body.entries.map((e: Record<string, unknown>) => [
        e.side,
        e.active,
        e.weight,
        e.gate_open,
        e.gate_reason,
      ]),
    ).toEqual([
      ['long', false, 0, false, 'ACTIVATION_STALE'],
      ['short', false, 0, false, 'ACTIVATION_STALE'],
    ]);
    await expectClosed('ACTIVATION_STALE');
    await expectDecision('DECISION_MISSING');
  });

  it('refuses live activation on a world without allow_live, even with the header, and in the workflow', async () => {
    const withHeader = await call(
      'PUT',
      `/v1/worlds/${WORLD}/activation`,
      { strategy_id: 'alpha', active: true, effective_mode: 'live' },
      { 'X-Allow-Live': 'true' },
    );
    expect(withHeader.status).toBe(403);
    expect(withHeader.body).toMatchObject({ code: 'E_LIVE_NOT_ALLOWED', reason: 'LIVE_NOT_ALLOWED' });
    // Around the Gateway, straight at the world: refused all the same.
    const direct = stack.client.workflow.getHandle(`world:${WORLD}`).executeUpdate(writeActivationUpdate, {
      args: [
        {
          actor: 'test',
          write: {
            strategy_id: 'alpha',
            active: true,
            weight: 1,
            freeze: false,
            drain: false,
            effective_mode: 'live',
          },
        },
      ],
    });
    const err = await direct.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('LIVE_NOT_ALLOWED');
    const stale = await call('PUT', `/v1/worlds/${WORLD}/activation`, {
      strategy_id: 'alpha',
      active: true,
      etag: 1,
    });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('E_PRECONDITION_FAILED');
  });

  it('changes a world under If-Match, guards allow_live, refuses delete while active unless forced', async () => {
    const route = '/v1/worlds/crud-desk';
    const { etag } = (await call('GET', route)).body as { etag: number };
    const renamed = await call('PUT', route, { name: 'Renamed' }, { 'If-Match': `"${etag}"` });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: 'crud-desk', name: 'Renamed', etag: etag + 1 });
    expect(renamed.headers.get('etag')).toBe(`"${etag + 1}"`);
    const late = await call('PUT', route, { name: 'Late' }, { 'If-Match': `"${etag}"` });
    expect(late.status).toBe(412);
    expect((await call('PUT', route, { allow_live: true })).status).toBe(403);
    const live = await call('PUT', route, { allow_live: true }, { 'X-Allow-Live': 'true' });
    expect(live.body).toMatchObject({ allow_live: true, name: 'Renamed' });

    await activate({ active: true }, 'crud-desk');
    const refused = await call('DELETE', route);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'E_CONFLICT', reason: 'WORLD_HAS_ACTIVE_STRATEGIES' });
    expect((await call('DELETE', `${route}?force=true&reason=test`)).body).toEqual({
      world_id: 'crud-desk',
      deleted: true,
    });
    expect((await call('GET', route)).body.deleted).toMatchObject({ reason: 'test' });
    expect((await call('PUT', route, { name: 'Ghost' })).body).toMatchObject({
      status: 409,
      reason: 'WORLD_DELETED',
    });

    // Visibility trails the workflows a little, so the lists are polled until they settle.
    const ids = async (query: string) =>
      (await call('GET', `/v1/worlds${query}`)).body.worlds.map((w: { id: string }) => w.id) as string[];
    const running = await eventually(
      () => ids(''),
      (l) => l.length === 2,
    );
    expect(running).toEqual(['eval-desk', 'gate-desk']);
    const all = await eventually(
      () => ids('?include_deleted=true'),
      (l) => l.length === 3,
    );
    expect(all).toEqual(['crud-desk', 'eval-desk', 'gate-desk']);

    const audit = await call('GET', `${route}/audit`);
    const records = audit.body.records as { version: number; action: string }[];
    expect(records.map((r) => r.version)).toEqual(records.map((_, i) => i + 1));
    expect(records.map((r) => r.action)).toEqual([
      'world.created',
      'world.updated',
      'world.updated',
      'world.allow_live_changed',
      'activation.written',
      'activation.closed',
      'world.deleted',
    ]);
  });

  it('binds strategies', async () => {
    const bound = await call('POST', '/v1/worlds/eval-desk/bindings', { strategy_ids: ['alpha', 'beta'] });
    expect(bound.body).toEqual({ bindings: ['alpha', 'beta'] });
    expect((await call('GET', '/v1/worlds/eval-desk/bindings')).body).toEqual({
      bindings: ['alpha', 'beta'],
    });
  });

  it('evaluates with the sample policy, records the run once, and never changes activation', async () => {
    const route = '/v1/worlds/eval-desk/evaluate';
    const good = (sharpe: number) => ({
      effective_history_years: 3,
      n_trades_total: 100,
      sharpe,
      max_drawdown: 0.1,
      gain_to_pain_ratio: 1.5,
      deflated_sharpe_ratio: 0.3,
      adv_utilization_p95: 0.1,
      participation_rate_p95: 0.1,
    });
    const body = {
      metrics: { a: good(1.2), b: good(1.0), c: good(0.9), d: good(0.55), e: good(0.3) },
      correlations: { 'a,c': 0.9 },
    };
    const missing = await call('POST', route, body);
    expect(missing.status).toBe(409);
    expect(missing.body.code).toBe('E_POLICY_MISSING');
    expect((await call('POST', '/v1/worlds/eval-desk/policies', SAMPLE_YAML)).status).toBe(201);

    const first = await call('POST', route, body);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      active: ['a', 'b'],
      policy_version: 1,
      profile: 'backtest',
      stage: 'backtest',
      replayed: false,
    });
    const codes = Object.fromEntries(
      Object.entries(first.body.results as Record<string, { reason_code: string }>).map(([s, r]) => [
        s,
        r.reason_code,
      ]),
    );
    expect(codes).toEqual({
      a: 'SELECTED',
      b: 'SELECTED',
      c: 'CORRELATED_WITH:a',
      d: 'NOT_IN_TOP_K',
      e: 'THRESHOLD_SHARPE',
    });
    const again = await call('POST', route, body);
    expect(again.body).toMatchObject({ evaluation_run_id: first.body.evaluation_run_id, replayed: true });
    expect((await call('GET', '/v1/worlds/eval-desk/activation')).body.entries).toEqual([]);

    // previous defaults to the world's active strategies: an incumbent between exit and enter stays.
    const edge = { metrics: { a: good(0.5) } };
    expect((await call('POST', route, edge)).body.results.a.reason_code).toBe('HYSTERESIS_BLOCK');
    await activate({ strategy_id: 'a', active: true }, 'eval-desk');
    expect((await call('POST', route, edge)).body.results.a.reason_code).toBe('HYSTERESIS_KEEP');

    const bad = await call('POST', route, { ...body, policy: { selektion: {} } });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('E_POLICY_INVALID');
  });

  it('keeps audit versions strictly increasing', async () => {
    const audit = await call('GET', `/v1/worlds/${WORLD}/audit?limit=1000`);
    const versions = (audit.body.records as { version: number }[]).map((r) => r.version);
    expect(audit.body.records.map((r: { action: string }) => r.action)).toEqual([
      'world.created',
      'activation.written',
      'world.updated',
      'world.updated',
      ...Array(4).fill('activation.written'),
      'activation.expired',
    ]);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
    const page = await call('GET', `/v1/worlds/${WORLD}/audit?after=${audit.body.records[2].seq}&limit=2`);
    expect(page.body.records.map((r: { version: number }) => r.version)).toEqual([4, 5]);
  });
});
