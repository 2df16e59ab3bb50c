/**
 * Idempotency-Key for POSTs. The first request with a key claims it in the
 * store; a retry with the same key and the same request replays the stored
 * response, a different request under the same key is refused (409). Claims
 * are scoped to the calling API key so clients cannot collide.
 */
import { createHash } from 'node:crypto';
import type { IdempotencyEntry, Store } from '../activities/store/port';
import { ProblemError, validationError } from './errors';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';

/** 1–255 printable ASCII characters (space allowed inside, as in the IETF draft's examples). */
const VALID_KEY = /^[\x20-\x7e]{1,255}$/;

export function checkIdempotencyKey(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!VALID_KEY.test(value)) {
    throw validationError(
      [
        {
          path: 'headers.idempotency-key',
          message: 'must be 1-255 printable ASCII characters',
          code: 'invalid_format',
        },
      ],
      'invalid Idempotency-Key header',
    );
  }
  return value;
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` hash the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** sha256 over method, path (with query) and the canonical body; text bodies hash as sent. */
export function requestHash(method: string, url: string, body: unknown): string {
  const bodyText = typeof body === 'string' ? body : canonicalJson(body ?? null);
  return createHash('sha256').update(`${method.toUpperCase()}\n${url}\n${bodyText}`, 'utf8').digest('hex');
}

export interface StoredResponse {
  status: number;
  body: string;
  contentType: string;
}

export type IdempotencyOutcome =
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'claimed'; complete(response: StoredResponse): Promise<void>; release(): Promise<void> };

/**
 * Claims (scope, key) for this request hash. Returns a stored response to
 * replay, or a claim the caller must complete (responses below 500) or
 * release (5xx and thrown errors, so a retry can run again).
 */
export async function claimIdempotencyKey(
  store: Store,
  scope: string,
  key: string,
  hash: string,
): Promise<IdempotencyOutcome> {
  const held = await store.idempotency.claim(scope, key, hash, new Date().toISOString());
  if (held === undefined) {
    return {
      kind: 'claimed',
      complete: (r) => store.idempotency.complete(scope, key, r.status, r.body, r.contentType),
      release: () => store.idempotency.release(scope, key),
    };
  }
  return { kind: 'replay', response: replayable(held, hash) };
}

function replayable(held: IdempotencyEntry, hash: string): StoredResponse {
  if (held.requestHash !== hash) {
    throw new ProblemError(
      409,
      'E_IDEMPOTENCY_CONFLICT',
      'Idempotency key reused',
      'this Idempotency-Key was already used with a different request',
    );
  }
  if (held.state === 'pending') {
    throw new ProblemError(
      409,
      'E_IDEMPOTENCY_IN_PROGRESS',
      'Request in progress',
      'a request with this Idempotency-Key is still being processed; retry later',
    );
  }
  return { status: held.status, body: held.body, contentType: held.contentType };
}
