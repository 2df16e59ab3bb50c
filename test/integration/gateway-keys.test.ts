/**
 * API keys: the bootstrap admin key (env, file, generated) and the admin-only
 * /v1/keys resource, against a real SQLite store in a temp QMTL home.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../activities/store';
import type { Store } from '../../activities/store/port';
import { ensureAdminKey, hashSecret } from '../../api/auth';
import { configSchema, type QmtlConfig } from '../../workers/config';
import { createLogger } from '../../workers/logger';
import { bootGateway, type TestGateway } from '../support/gateway';

describe('ensureAdminKey', () => {
  let home: string;
  let store: Store;
  const log = () => createLogger('silent');
  const config = (extra: Partial<QmtlConfig> = {}) =>
    ({ ...configSchema.parse({ home }), ...extra }) as QmtlConfig;

  beforeEach(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-admin-'));
    store = await openStore({ home });
  });
  afterEach(async () => {
    await store.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('generates a key once, writes it 0600, and reuses the file afterwards', async () => {
    const first = await ensureAdminKey(config(), store, log());
    const file = path.join(home, 'admin.key');
    expect(first).toEqual({ source: 'generated', file });
    const secret = readFileSync(file, 'utf8').trim();
    expect(secret).toMatch(/^qmtl_[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await ensureAdminKey(config(), store, log())).toEqual({ source: 'file', file });
    const keys = await store.apiKeys.list();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ role: 'admin', keyHash: hashSecret(secret) });
  });

  it('registers QMTL_ADMIN_KEY idempotently and writes no file', async () => {
    const adminKey = 'env-admin-key-0123456789';
    expect(await ensureAdminKey(config({ adminKey }), store, log())).toEqual({ source: 'env' });
    await ensureAdminKey(config({ adminKey }), store, log());
    expect(await store.apiKeys.findByHash(hashSecret(adminKey))).toMatchObject({ role: 'admin' });
    expect((await store.apiKeys.list()).length).toBe(1);
    expect(() => statSync(path.join(home, 'admin.key'))).toThrow();
  });

  it('refuses to revive a revoked bootstrap key', async () => {
    const adminKey = 'env-admin-key-0123456789';
    await ensureAdminKey(config({ adminKey }), store, log());
    const record = await store.apiKeys.findByHash(hashSecret(adminKey));
    await store.apiKeys.revoke(record!.id, new Date().toISOString());
    await expect(ensureAdminKey(config({ adminKey }), store, log())).rejects.toThrow(
      /QMTL_ADMIN_KEY has been revoked/,
    );
  });

  it('refuses an admin.key file that holds no key', async () => {
    writeFileSync(path.join(home, 'admin.key'), '\n');
    await expect(ensureAdminKey(config(), store, log())).rejects.toThrow(/does not hold an API key/);
  });

  it('never writes the secret to the log', async () => {
    const out: string[] = [];
    const pino = (await import('pino')).default;
    const logger = pino({ level: 'info' }, { write: (line: string) => out.push(line) });
    await ensureAdminKey(config(), store, logger);
    const secret = readFileSync(path.join(home, 'admin.key'), 'utf8').trim();
    expect(out.join('')).toContain('admin API key ready');
    expect(out.join('')).not.toContain(secret);
  });
});

describe('/v1/keys', () => {
  let gw: TestGateway;
  const admin = () => ({ authorization: `Bearer ${gw.adminKey}`, 'content-type': 'application/json' });

  beforeAll(async () => {
    gw = await bootGateway();
  });
  afterAll(() => gw.close());

  it('issues a key whose secret is shown once and works at its role', async () => {
    const res = await fetch(`${gw.url}/v1/keys`, {
      method: 'POST',
      headers: admin(),
      body: '{"name":"ci","role":"operator"}',
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; key: string; role: string; created_at: string };
    expect(created).toMatchObject({ name: 'ci', role: 'operator' });
    expect(created.key).toMatch(/^qmtl_/);
    expect(res.headers.get('location')).toBe(`/v1/keys/${created.id}`);
    const status = await fetch(`${gw.url}/v1/status`, {
      headers: { authorization: `Bearer ${created.key}` },
    });
    expect(status.status).toBe(200);

    const listText = await (await fetch(`${gw.url}/v1/keys`, { headers: admin() })).text();
    expect(listText).not.toContain(created.key);
    expect(listText).not.toContain(hashSecret(created.key));
    const { keys } = JSON.parse(listText) as { keys: Array<Record<string, unknown>> };
    expect(keys.find((k) => k.id === created.id)).toEqual({
      id: created.id,
      name: 'ci',
      role: 'operator',
      created_at: created.created_at,
    });
  });

  it('refuses an unknown role', async () => {
    const res = await fetch(`${gw.url}/v1/keys`, {
      method: 'POST',
      headers: admin(),
      body: '{"name":"x","role":"root"}',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'E_VALIDATION', errors: [{ path: 'body.role' }] });
  });

  it('revokes a key (204), then answers 404 for it and for unknown ids', async () => {
    const { id } = await gw.issueKey('reader');
    const del = () => fetch(`${gw.url}/v1/keys/${id}`, { method: 'DELETE', headers: admin() });
    expect((await del()).status).toBe(204);
    expect((await del()).status).toBe(404);
    const unknown = await fetch(`${gw.url}/v1/keys/key_nope`, { method: 'DELETE', headers: admin() });
    expect(await unknown.json()).toMatchObject({ code: 'E_NOT_FOUND', status: 404 });
    const { keys } = (await (await fetch(`${gw.url}/v1/keys`, { headers: admin() })).json()) as {
      keys: Array<{ id: string; revoked_at?: string }>;
    };
    expect(keys.find((k) => k.id === id)?.revoked_at).toEqual(expect.any(String));
  });

  it('will not revoke the last active admin key', async () => {
    const { keys } = (await (await fetch(`${gw.url}/v1/keys`, { headers: admin() })).json()) as {
      keys: Array<{ id: string; role: string; revoked_at?: string }>;
    };
    const admins = keys.filter((k) => k.role === 'admin' && !k.revoked_at);
    expect(admins).toHaveLength(1);
    const res = await fetch(`${gw.url}/v1/keys/${admins[0]!.id}`, { method: 'DELETE', headers: admin() });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: 'E_CONFLICT' });
  });
});
