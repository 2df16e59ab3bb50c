/**
 * The one place where any failure becomes an HTTP answer: ProblemErrors as
 * they are, body-parser/router errors by their status, store conflicts as
 * 409, and everything else as an opaque 500 (details go to the log only).
 */
import type express from 'express';
import type {} from 'pino-http'; // brings req.log / res.err into the http types
import { StoreConflictError } from '../activities/store/port';
import { PROBLEM_CONTENT_TYPE, ProblemError, problemBody } from './errors';

/** Client errors raised by body-parser / the router (http-errors), by `type` or status. */
const HTTP_ERROR_TYPES: Record<string, () => ProblemError> = {
  'entity.too.large': () =>
    new ProblemError(
      413,
      'E_PAYLOAD_TOO_LARGE',
      'Payload too large',
      'the request body exceeds the size limit',
    ),
  'entity.parse.failed': () =>
    new ProblemError(400, 'E_MALFORMED_JSON', 'Malformed JSON', 'the request body is not valid JSON'),
  'encoding.unsupported': () =>
    new ProblemError(
      415,
      'E_UNSUPPORTED_MEDIA_TYPE',
      'Unsupported media type',
      'unsupported content encoding',
    ),
  'charset.unsupported': () =>
    new ProblemError(415, 'E_UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type', 'unsupported charset'),
};

/** Extra response headers some problems need (RFC 6750, RFC 9110 Retry-After). */
const PROBLEM_HEADERS: Record<string, Record<string, string>> = {
  E_UNAUTHENTICATED: { 'WWW-Authenticate': 'Bearer realm="qmtl"' },
  E_IDEMPOTENCY_IN_PROGRESS: { 'Retry-After': '1' },
  E_UNAVAILABLE: { 'Retry-After': '5' },
};

interface HttpError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
}

export function toProblem(err: unknown): ProblemError {
  if (err instanceof ProblemError) return err;
  if (err instanceof StoreConflictError) return new ProblemError(409, 'E_CONFLICT', 'Conflict', err.message);
  const http = (err ?? {}) as HttpError;
  const mapped = http.type ? HTTP_ERROR_TYPES[http.type] : undefined;
  if (mapped) return mapped();
  if (err instanceof URIError) {
    return new ProblemError(
      400,
      'E_VALIDATION',
      'Bad request',
      'a path segment is not valid percent-encoding',
    );
  }
  const status = http.status ?? http.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // e.g. a malformed %-escape in a path parameter; the message is safe to show.
    return new ProblemError(
      status,
      'E_VALIDATION',
      'Bad request',
      http.expose ? (err as Error).message : undefined,
    );
  }
  return new ProblemError(
    500,
    'E_INTERNAL',
    'Internal error',
    'an unexpected error occurred; quote the request id',
  );
}

export function requestIdOf(res: express.Response): string | undefined {
  const id = res.getHeader('x-request-id');
  return typeof id === 'string' ? id : undefined;
}

export function sendProblem(res: express.Response, problem: ProblemError): void {
  const requestId = requestIdOf(res);
  const body = {
    ...problemBody(problem, requestId && `urn:qmtl:request:${requestId}`),
    request_id: requestId,
  };
  res.status(problem.status);
  for (const [name, value] of Object.entries(PROBLEM_HEADERS[problem.code] ?? {})) res.setHeader(name, value);
  res.type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** Express error middleware (must keep four parameters to be recognised as such). */
export function problemMiddleware(
  err: unknown,
  _req: express.Request,
  res: express.Response,
  next: express.NextFunction,
): void {
  const problem = toProblem(err);
  // pino-http logs res.err on the request's completion line, with its id.
  if (problem.status >= 500) res.err = err instanceof Error ? err : new Error(String(err));
  if (res.headersSent) return next(err);
  sendProblem(res, problem);
}
