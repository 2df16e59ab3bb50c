/**
 * World policies and decisions through the real stack: versions live in the
 * `world:{id}` workflow (updates with validators, read by query), YAML and
 * JSON bodies both parse, and a fresh world decides compute-only.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { recordHistory } from '../support/histories';
import { bootStack, type Stack } from '../support/stack';
import { retireWorldSignal } from '../../workflows/world';

jest.setTimeout(120_000);

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'policies');
const SAMPLE_YAML = readFileSync(path.join(FIXTURES, 'qmtl-sample.yaml'), 'utf8');
const SAMPLE_JSON = JSON.parse(readFileSync(path.join(FIXTURES, 'qmtl-sample.json'), 'utf8')) as unknown;
const WORLD = 'policy-desk';

describe('world policies and decisions through the Gateway', () => {
  let stack: Stack;

  // Sends a YAML body, which stack.api (JSON only) cannot.
  const postYaml = async (route: string, text: string) => {
    const res = await fetch(`${stack.url}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/yaml' },
      body: text,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    stack = await bootStack();
    expect((await stack.api('POST', '/v1/worlds', { id: WORLD })).status).toBe(201);
  });
  afterAll(async () => {
    // Retire the world so its recorded history is complete: replay only checks commands that history shows.
    const handle = stack.client.workflow.getHandle(`world:${WORLD}`);
    await handle.signal(retireWorldSignal, { reason: 'test over' });
    await handle.result();
    await recordHistory(stack.client, `world:${WORLD}`, 'policies-versioned');
    await stack.close();
  });

  it('versions policies from YAML and JSON, and switches the default', async () => {
    const first = await postYaml(`/v1/worlds/${WORLD}/policies`, SAMPLE_YAML);
    expect(first).toEqual({ status: 201, body: { version: 1 } });
    const second = await stack.api('POST', `/v1/worlds/${WORLD}/policies`, { policy: SAMPLE_JSON });
    expect(second.status).toBe(201);
    expect(second.body).toEqual({ version: 2 });

    let list = await stack.api('GET', `/v1/worlds/${WORLD}/policies`);
    expect(list.body.default_version).toBe(1);

    const set = await stack.api('POST', `/v1/worlds/${WORLD}/policies/2/default`);
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ default_version: 2 });

    list = await stack.api('GET', `/v1/worlds/${WORLD}/policies`);
    expect(list.status).toBe(200);
    expect(list.body.default_version).toBe(2);
    expect(list.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    // The YAML and the JSON fixture are the same policy, so both versions hold equal documents.
    expect(list.body.versions[0].policy).toEqual(list.body.versions[1].policy);
    expect(list.body.versions[0].policy.selection.top_k).toEqual({ metric: 'sharpe', k: 3 });
    expect(list.body.versions[0]).toMatchObject({
      actor: expect.any(String),
      created_at: expect.any(String),
    });
  });

  it('refuses an unknown policy key with 422 naming its path, in YAML and in JSON', async () => {
    const yaml = await postYaml(
      `/v1/worlds/${WORLD}/policies`,
      'selection:\n  top_k: {metric: sharpe, k: 3, kk: 1}\n',
    );
    expect(yaml.status).toBe(422);
    expect(yaml.body).toMatchObject({
      code: 'E_POLICY_INVALID',
      errors: [expect.objectContaining({ path: 'selection.top_k.kk', message: 'unknown key' })],
    });
    const json = await stack.api('POST', `/v1/worlds/${WORLD}/policies`, { policy: { selektion: {} } });
    expect(json.status).toBe(422);
    expect(json.body.errors).toEqual([expect.objectContaining({ path: 'selektion' })]);
    // Nothing refused was stored.
    expect((await stack.api('GET', `/v1/worlds/${WORLD}/policies`)).body.versions).toHaveLength(2);
  });

  it('answers 404 for an unknown world or version', async () => {
    const add = await stack.api('POST', '/v1/worlds/atlantis/policies', { policy: SAMPLE_JSON });
    expect(add.status).toBe(404);
    expect(add.body.code).toBe('E_NOT_FOUND');
    expect((await stack.api('GET', '/v1/worlds/atlantis/policies')).status).toBe(404);
    expect((await stack.api('POST', '/v1/worlds/atlantis/policies/1/default')).status).toBe(404);
    expect((await stack.api('GET', '/v1/worlds/atlantis/decide')).status).toBe(404);
    const version = await stack.api('POST', `/v1/worlds/${WORLD}/policies/9/default`);
    expect(version.status).toBe(404);
    expect(version.body.code).toBe('E_NOT_FOUND');
  });

  it('decides compute-only with the reason while the world has no decision', async () => {
    const asOf = '2026-01-02T03:04:05.000Z';
    const res = await stack.api('GET', `/v1/worlds/${WORLD}/decide?as_of=${asOf}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      world_id: WORLD,
      policy_version: 2,
      effective_mode: 'compute-only',
      execution_domain: 'backtest',
      reason: 'DECISION_MISSING',
      as_of: asOf,
      allow_live: false,
      etag: expect.any(String),
    });
    const bad = await stack.api('GET', `/v1/worlds/${WORLD}/decide?as_of=yesterday`);
    expect(bad.status).toBe(400);
  });
});
