/**
 * API-key authentication. Keys are bearer secrets `qmtl_<base64url 32 bytes>`;
 * only their sha256 is stored, so a leaked database grants nothing. Also owns
 * the bootstrap admin key (env, `$QMTL_HOME/admin.key`, or generated).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type express from 'express';
import { StoreConflictError, type ApiKeyRecord, type Role, type Store } from '../activities/store/port';
import type { QmtlConfig } from '../workers/config';
import type { Logger } from '../workers/logger';
import { ProblemError } from './errors';
import { roleAllows, type Access, type Principal } from './route';

export const SECRET_PREFIX = 'qmtl_';
export const ADMIN_KEY_FILE = 'admin.key';

export function newSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64url');
}

export function newKeyId(): string {
  return 'key_' + randomBytes(9).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

const unauthenticated = (detail: string) =>
  new ProblemError(401, 'E_UNAUTHENTICATED', 'Authentication required', detail);

/** `Bearer <token>` → token; anything else (other scheme, empty, spaces inside) → undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * Resolves the caller and checks the route's access level. Public routes never
 * fail here (a bad key on a public route is ignored, not an error); every
 * other route answers 401 for a missing/unknown/revoked key and 403 when the
 * key's role ranks below the route's.
 */
export async function authorize(
  store: Store,
  req: express.Request,
  access: Access,
): Promise<Principal | undefined> {
  if (access === 'public') return undefined;
  const token = bearerToken(req.get('authorization'));
  if (token === undefined) throw unauthenticated('send an API key as "Authorization: Bearer <key>"');
  const record = await store.apiKeys.findByHash(hashSecret(token));
  if (record === undefined || record.revokedAt !== undefined)
    throw unauthenticated('the API key is unknown or revoked');
  const principal: Principal = { keyId: record.id, name: record.name, role: record.role };
  if (!roleAllows(principal.role, access)) {
    throw new ProblemError(
      403,
      'E_PERMISSION_DENIED',
      'Permission denied',
      `this action needs the '${access}' role`,
      {
        required_role: access,
        role: principal.role,
      },
    );
  }
  return principal;
}

/** Stores a key unless one with this secret exists; safe when several processes start at once. */
export async function registerKey(
  store: Store,
  secret: string,
  name: string,
  role: Role,
): Promise<ApiKeyRecord> {
  const keyHash = hashSecret(secret);
  const existing = await store.apiKeys.findByHash(keyHash);
  if (existing) return existing;
  const record: ApiKeyRecord = { id: newKeyId(), name, role, keyHash, createdAt: new Date().toISOString() };
  try {
    await store.apiKeys.create(record);
    return record;
  } catch (err) {
    if (!(err instanceof StoreConflictError)) throw err;
    const raced = await store.apiKeys.findByHash(keyHash);
    if (!raced) throw err;
    return raced;
  }
}

export interface AdminKeySource {
  source: 'env' | 'file' | 'generated';
  file?: string;
}

/**
 * Makes sure an admin key exists. QMTL_ADMIN_KEY wins; else the key in
 * `$QMTL_HOME/admin.key`; else a new one is generated and written there (0600).
 * A revoked bootstrap key stops start-up rather than being silently revived.
 */
export async function ensureAdminKey(config: QmtlConfig, store: Store, log: Logger): Promise<AdminKeySource> {
  const file = path.join(config.home, ADMIN_KEY_FILE);
  let result: AdminKeySource;
  let secret: string;
  if (config.adminKey !== undefined) {
    secret = config.adminKey;
    result = { source: 'env' };
  } else {
    const loaded = await readOrCreateKeyFile(file);
    secret = loaded.secret;
    result = { source: loaded.created ? 'generated' : 'file', file };
  }
  const record = await registerKey(store, secret, `bootstrap admin (${result.source})`, 'admin');
  if (record.revokedAt !== undefined) {
    const where = result.source === 'env' ? 'QMTL_ADMIN_KEY' : `${file} (delete it to generate a new key)`;
    throw new Error(`the bootstrap admin key from ${where} has been revoked`);
  }
  if (record.role !== 'admin')
    throw new Error(`the bootstrap admin key is registered with role '${record.role}'`);
  // Never the secret: only where it lives and which key record it is.
  log.info({ adminKey: { ...result, keyId: record.id } }, 'admin API key ready');
  return result;
}

async function readOrCreateKeyFile(file: string): Promise<{ secret: string; created: boolean }> {
  await mkdir(path.dirname(file), { recursive: true });
  const secret = newSecret();
  try {
    // 'wx' fails if another process wrote the file first; then we read theirs.
    await writeFile(file, secret + '\n', { mode: 0o600, flag: 'wx' });
    return { secret, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const existing = (await readFile(file, 'utf8')).trim();
  if (existing.length < 16)
    throw new Error(`${file} does not hold an API key (delete it to generate a new one)`);
  return { secret: existing, created: false };
}
