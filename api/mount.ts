/**
 * Turns a RouteSpec into an Express handler. The order of the steps is the
 * Gateway's contract: authenticate (401/403) → read the body (415/413/400
 * malformed) → validate params, query, body (400) → Idempotency-Key (replay
 * or 409) → handler → send. Nothing is read from an unauthenticated request.
 */
import express from 'express';
import { z } from 'zod';
import type { Store } from '../activities/store/port';
import { authorize } from './auth';
import { ProblemError } from './errors';
import {
  IDEMPOTENCY_HEADER,
  REPLAYED_HEADER,
  checkIdempotencyKey,
  claimIdempotencyKey,
  requestHash,
  type IdempotencyOutcome,
  type StoredResponse,
} from './idempotency';
import { JSON_CONTENT_TYPE, type RouteResult, type RouteSpec } from './route';
import { keepRawBody } from './raw-body';
import { parseRequest } from './validate';

export interface MountDeps {
  store: Store;
  maxBodyBytes: number;
}

/** A POST/PUT without a body schema takes no body (an empty object is tolerated). */
const NO_BODY = z.strictObject({}).optional();

const unsupportedMedia = (allowed: string[]) =>
  new ProblemError(
    415,
    'E_UNSUPPORTED_MEDIA_TYPE',
    'Unsupported media type',
    `send the body as ${allowed.join(' or ')}`,
    {
      accepted: allowed,
    },
  );

export function mountRoute(router: express.Router, spec: RouteSpec, deps: MountDeps): void {
  // Everything is read raw and decoded here, so the content-type and JSON
  // checks are per route and auth has already run when bytes are read.
  const rawBody = express.raw({ type: () => true, limit: deps.maxBodyBytes });
  const takesBody = spec.method === 'post' || spec.method === 'put';

  router[spec.method](spec.path, async (req: express.Request, res: express.Response) => {
    res.locals.route = spec.path;
    const principal = await authorize(deps.store, req, spec.access);
    const rawValue = takesBody
      ? await readBody(req, res, rawBody, spec.bodyContentTypes ?? [JSON_CONTENT_TYPE])
      : undefined;
    const idempotencyKey =
      spec.method === 'post' && spec.idempotent !== false
        ? checkIdempotencyKey(req.get(IDEMPOTENCY_HEADER))
        : undefined;
    const parsed = parseRequest({
      params: { schema: spec.params, input: req.params },
      query: { schema: spec.query, input: req.query },
      body: { schema: takesBody ? (spec.body ?? NO_BODY) : undefined, input: rawValue },
    });

    let claim: IdempotencyOutcome | undefined;
    if (idempotencyKey !== undefined) {
      const hash = requestHash(req.method, req.originalUrl, rawValue);
      claim = await claimIdempotencyKey(deps.store, principal?.keyId ?? 'public', idempotencyKey, hash);
      if (claim.kind === 'replay') return sendStored(res, claim.response, { [REPLAYED_HEADER]: 'true' });
    }

    let result: RouteResult;
    try {
      result = await spec.handler({ ...parsed, principal, req, res, log: req.log });
    } catch (err) {
      if (claim?.kind === 'claimed')
        await claim.release().catch((e) => req.log.error({ err: e }, 'idempotency release failed'));
      throw err;
    }
    if (result.stream) return; // the handler streamed its own response
    const stored = serialize(result);
    if (claim?.kind === 'claimed') await settle(claim, stored, req);
    sendStored(res, stored, result.headers ?? {});
  });
}

function hasBody(req: express.Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

async function readBody(
  req: express.Request,
  res: express.Response,
  rawBody: express.RequestHandler,
  allowed: string[],
): Promise<unknown> {
  if (!hasBody(req)) return undefined;
  const matched = req.is(allowed);
  if (!matched) throw unsupportedMedia(allowed);
  const charset = /;\s*charset="?([^";\s]+)/i.exec(req.get('content-type') ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && !['utf-8', 'utf8', 'us-ascii'].includes(charset))
    throw unsupportedMedia(allowed);
  const bytes = await new Promise<unknown>((resolve, reject) =>
    rawBody(req, res, (err?: unknown) => (err ? reject(err) : resolve(req.body))),
  );
  if (!Buffer.isBuffer(bytes) || bytes.length === 0) return undefined;
  keepRawBody(req, bytes);
  const isJson = matched === JSON_CONTENT_TYPE || matched.endsWith('+json');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ProblemError(
      400,
      isJson ? 'E_MALFORMED_JSON' : 'E_VALIDATION',
      'Malformed body',
      'the body is not valid UTF-8',
    );
  }
  if (!isJson) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ProblemError(
      400,
      'E_MALFORMED_JSON',
      'Malformed JSON',
      `the request body is not valid JSON: ${(err as Error).message}`,
    );
  }
}

/** The exact bytes that are sent, so an idempotent replay is byte-identical. */
function serialize(result: RouteResult): StoredResponse {
  if (result.body === undefined) return { status: result.status, body: '', contentType: '' };
  const contentType = result.contentType ?? JSON_CONTENT_TYPE;
  const body =
    typeof result.body === 'string' && contentType !== JSON_CONTENT_TYPE
      ? result.body
      : JSON.stringify(result.body);
  return { status: result.status, body, contentType };
}

/** Remembers responses below 500; a 5xx frees the key so the client's retry runs again. */
async function settle(
  claim: Extract<IdempotencyOutcome, { kind: 'claimed' }>,
  stored: StoredResponse,
  req: express.Request,
) {
  try {
    if (stored.status < 500) await claim.complete(stored);
    else await claim.release();
  } catch (err) {
    // The answer itself is still right; a stuck claim would block retries, so try to free it.
    req.log.error({ err }, 'idempotency bookkeeping failed');
    await claim.release().catch(() => undefined);
  }
}

function sendStored(res: express.Response, stored: StoredResponse, headers: Record<string, string>): void {
  res.status(stored.status);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (stored.contentType === '') {
    res.end();
    return;
  }
  res.type(stored.contentType).send(stored.body);
}
