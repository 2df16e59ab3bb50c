/**
 * The Risk Signal Hub through the real stack (SPEC §11): a snapshot version is
 * stored once (201, then 200 for the same hash, 409 for another), carries
 * VaR/ES, needs X-Actor and X-Stage, refuses weights that do not sum to 1,
 * is served while fresh only, and each version emits one ControlBus event.
 */
import { createHash } from 'node:crypto';
import { latestRiskFreshness } from '../../activities/risk-hub';
import { bootStack, type Stack } from '../support/stack';

jest.setTimeout(120_000);

const WORLD = 'risk-desk';
const SNAPSHOTS = `/v1/risk-hub/worlds/${WORLD}/snapshots`;
const HEADERS = { 'x-actor': 'risk-engine', 'x-stage': 'paper' };
// σ₁ = 0.02, σ₂ = 0.03, ρ = 0.5 → cov₁₂ = 0.0003; with w = (0.6, 0.4), σ_p = √0.000432.
const COVARIANCE = { 'a,a': 0.0004, 'b,b': 0.0009, 'a,b': 0.0003 };

describe('risk hub through the Gateway', () => {
  let stack: Stack;
  const asOf = new Date().toISOString();

  const post = async (route: string, body: unknown, headers: Record<string, string> = HEADERS) => {
    const res = await fetch(`${stack.url}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    stack = await bootStack();
    expect((await stack.api('POST', '/v1/worlds', { id: WORLD })).status).toBe(201);
  });
  afterAll(() => stack?.close());

  it('stores a version once: 201 with VaR/ES, 200 for the same hash, 409 for another', async () => {
    const body = { as_of: asOf, version: 1, weights: { b: 0.4, a: 0.6 }, covariance: COVARIANCE };
    const canonical =
      `{"as_of":"${asOf}","covariance":{"a,a":0.0004,"a,b":0.0003,"b,b":0.0009},` +
      '"ttl_sec":900,"version":1,"weights":{"a":0.6,"b":0.4}}';
    const hash = createHash('sha256').update(canonical).digest('hex');

    const created = await post(SNAPSHOTS, { ...body, hash });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      world_id: WORLD,
      version: 1,
      hash,
      as_of: asOf,
      ttl_sec: 900,
      expires_at: new Date(Date.parse(asOf) + 900_000).toISOString(),
      actor: 'risk-engine',
      stage: 'paper',
    });
    expect(created.body.var_99).toBeCloseTo(0.0483522325670229, 12);
    expect(created.body.es_99).toBeCloseTo(0.0553954373123282, 12);

    const again = await post(SNAPSHOTS, body, { 'x-actor': 'retrying-engine', 'x-stage': 'paper' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(created.body);

    const other = await post(SNAPSHOTS, { ...body, weights: { a: 0.5, b: 0.5 } });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ code: 'E_CONFLICT', version: 1, hash });
  });

  it('serves the latest fresh version', async () => {
    const latest = await stack.api('GET', `${SNAPSHOTS}/latest`);
    expect(latest.status).toBe(200);
    expect(latest.body).toMatchObject({ version: 1, snapshot: { weights: { a: 0.6, b: 0.4 } } });
    expect(await latestRiskFreshness(stack.store, WORLD, Date.now())).toBe('fresh');
  });

  it('refuses a missing X-Actor, weights summing to 0.9, an unknown world and a reader', async () => {
    const body = { as_of: asOf, version: 5, weights: { a: 0.5, b: 0.4 } };
    const noActor = await post(SNAPSHOTS, { ...body, weights: { a: 1 } }, { 'x-stage': 'paper' });
    expect(noActor.status).toBe(422);
    expect(noActor.body).toMatchObject({
      code: 'E_VALIDATION',
      errors: [{ path: 'headers.X-Actor', message: 'the X-Actor header is required' }],
    });
    const sum = await post(SNAPSHOTS, body);
    expect(sum.status).toBe(422);
    expect(sum.body).toMatchObject({
      code: 'E_SNAPSHOT_INVALID',
      errors: [{ path: 'body.weights', message: 'must sum to 1 ± 0.001, got 0.9' }],
    });
    const unknown = await post('/v1/risk-hub/worlds/atlantis/snapshots', { ...body, weights: { a: 1 } });
    expect(unknown.status).toBe(404);
    const reader = await stack.api('POST', '/v1/keys', { name: 'risk reader', role: 'reader' });
    const denied = await fetch(`${stack.url}${SNAPSHOTS}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${reader.body.key}`, 'content-type': 'application/json', ...HEADERS },
      body: JSON.stringify({ ...body, weights: { a: 1 } }),
    });
    expect(denied.status).toBe(403);
    expect((await stack.store.riskSnapshots.list(WORLD, 10)).map((r) => r.version)).toEqual([1]);
  });

  it('does not serve an expired latest version', async () => {
    const stale = { as_of: '2020-01-01T00:00:00Z', version: 2, weights: { a: 1 }, ttl_sec: 60 };
    const created = await post(SNAPSHOTS, stale);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ expires_at: '2020-01-01T00:01:00.000Z', var_99: null, es_99: null });
    expect(created.body.risk_note).toBe('the snapshot has no covariance');

    const latest = await stack.api('GET', `${SNAPSHOTS}/latest`);
    expect(latest.status).toBe(404);
    expect(latest.body).toMatchObject({
      code: 'E_SNAPSHOT_EXPIRED',
      detail: `risk snapshot version 2 of world '${WORLD}' expired at 2020-01-01T00:01:00.000Z`,
    });
    expect(await latestRiskFreshness(stack.store, WORLD, Date.now())).toBe('stale');
    expect(await latestRiskFreshness(stack.store, 'atlantis', Date.now())).toBe('missing');
    expect((await stack.api('GET', '/v1/risk-hub/worlds/atlantis/snapshots/latest')).body.code).toBe(
      'E_NOT_FOUND',
    );
  });

  it('publishes one risk_snapshot_updated event per stored version', async () => {
    const events = await stack.store.events.read({ afterSeq: 0, topics: ['risk_snapshot'], limit: 10 });
    const v1 = await stack.store.riskSnapshots.get(WORLD, 1);
    expect(
      events.map(({ eventKey, worldId, key, payload }) => ({ eventKey, worldId, key, payload })),
    ).toEqual([
      {
        eventKey: `risk:${WORLD}:1`,
        worldId: WORLD,
        key: `risk:${WORLD}`,
        payload: { type: 'risk_snapshot_updated', version: 1, hash: v1!.hash, as_of: asOf },
      },
      {
        eventKey: `risk:${WORLD}:2`,
        worldId: WORLD,
        key: `risk:${WORLD}`,
        payload: {
          type: 'risk_snapshot_updated',
          version: 2,
          hash: (await stack.store.riskSnapshots.get(WORLD, 2))!.hash,
          as_of: '2020-01-01T00:00:00Z',
        },
      },
    ]);
  });
});
