/**
 * The kill-switch routes through a real Gateway and store, Temporal scripted
 * at the edge (the workflow itself is exercised in test/workflows/reconcile
 * and test/integration/orders-kill): engage answers 202 with the kill
 * workflow's id, one per Idempotency-Key; release writes the record and its
 * audit; the list shows both scopes; operators only; unknown worlds are 404.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KillRequest } from '../../activities/kill-switch';
import { openStore } from '../../activities/store';
import { killScopeKey, type Store } from '../../activities/store/port';
import { killSwitchRoutes } from '../../api/routes/kill-switch';
import type { World } from '../../domain/world/world';
import { killSwitchWorkflowId } from '../../workflows/kill-switch';
import { bootGateway, type TestGateway } from '../support/gateway';

describe('kill-switch routes', () => {
  let gw: TestGateway;
  let store: Store;
  let home: string;
  const started: KillRequest[] = [];

  beforeAll(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-kill-api-'));
    store = await openStore({ home });
    const routes = killSwitchRoutes({
      store,
      temporal: {
        world: async (id) => (id === 'w1' ? ({ id } as World) : undefined),
        createWorld: async () => 'started',
      },
      kills: {
        async startKill(request) {
          started.push(request);
          return { workflowId: killSwitchWorkflowId(killScopeKey(request.scope), request.requestId) };
        },
      },
    });
    gw = await bootGateway({ routes });
  });

  afterAll(async () => {
    await gw?.close();
    await store?.close();
    rmSync(home, { recursive: true, force: true });
  });

  const post = (route: string, body: unknown, key = gw.adminKey, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('engages with 202 and the workflow id; the same Idempotency-Key starts nothing twice', async () => {
    const body = { engaged: true, reason: 'drawdown breach' };
    const headers = { 'idempotency-key': 'incident-42' };
    const first = await post('/v1/worlds/w1/kill-switch', body, gw.adminKey, headers);
    expect(first.status).toBe(202);
    const answer = (await first.json()) as { workflow_id: string; request_id: string };
    expect(answer).toMatchObject({ scope_key: 'world:w1', engaged: true });
    expect(answer.workflow_id).toBe(`kill:world:w1:${answer.request_id}`);
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ scope: { kind: 'world', worldId: 'w1' }, flatten: false });

    const again = await post('/v1/worlds/w1/kill-switch', body, gw.adminKey, headers);
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual(answer);
    expect(started).toHaveLength(1);
  });

  it('releases a venue account: the record reads released, audited, and listed', async () => {
    const res = await post('/v1/venues/sim/accounts/acct1/kill-switch', {
      engaged: false,
      reason: 'all clear',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      scope_key: 'venue:sim:acct1',
      engaged: false,
      reason: 'all clear',
    });
    expect((await store.audit.list({ subject: 'venue:sim:acct1', limit: 10 })).map((r) => r.action)).toEqual([
      'kill_switch.released',
    ]);
    const list = await fetch(`${gw.url}/v1/kill-switches`, {
      headers: { authorization: `Bearer ${gw.adminKey}` },
    });
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({
      kill_switches: [
        expect.objectContaining({
          scope_key: 'venue:sim:acct1',
          scope: { kind: 'venue', venue: 'sim', account: 'acct1' },
          engaged: false,
        }),
      ],
    });
  });

  it('refuses an unknown world (404) and a reader (403)', async () => {
    const body = { engaged: true, reason: 'x' };
    expect((await post('/v1/worlds/nope/kill-switch', body)).status).toBe(404);
    const reader = await gw.issueKey('reader');
    const denied = await post('/v1/venues/sim/accounts/acct1/kill-switch', body, reader.key);
    expect(denied.status).toBe(403);
    expect(started).toHaveLength(1);
  });
});
