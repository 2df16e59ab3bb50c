/**
 * Gateway errors as RFC 9457 problem details. Handlers throw ProblemError for
 * domain answers; the error middleware (api/pipeline.ts) turns it — and every
 * other failure — into one application/problem+json shape with a stable code.
 */

/** Stable codes clients may branch on. Later issues append; never rename one. */
export const ERROR_CODES = [
  'E_VALIDATION',
  'E_MALFORMED_JSON',
  'E_PAYLOAD_TOO_LARGE',
  'E_UNSUPPORTED_MEDIA_TYPE',
  'E_UNAUTHENTICATED',
  'E_PERMISSION_DENIED',
  'E_LIVE_GUARD',
  'E_NOT_FOUND',
  'E_METHOD_NOT_ALLOWED',
  'E_CONFLICT',
  'E_DUPLICATE',
  'E_IDEMPOTENCY_CONFLICT',
  'E_IDEMPOTENCY_IN_PROGRESS',
  'E_UNAVAILABLE',
  'E_INTERNAL',
] as const;

// `string & {}` keeps editor completion for the known codes while letting
// feature modules add their own (E_NODE_ID_MISMATCH, …) without editing here.
export type ErrorCode = (typeof ERROR_CODES)[number] | (string & {});

export interface FieldError {
  path: string;
  message: string;
  code?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_BASE = 'https://qmtl.dev/problems/';

export class ProblemError extends Error {
  override name = 'ProblemError';

  constructor(
    public status: number,
    public code: ErrorCode,
    public title: string,
    public detail?: string,
    public extra?: Record<string, unknown>,
    public errors?: FieldError[],
  ) {
    super(detail ?? title);
  }
}

// Extra members may not shadow the standard ones: a handler's `extra` must
// never be able to change the status or code a client sees.
const RESERVED = new Set(['type', 'title', 'status', 'detail', 'code', 'errors', 'instance', 'request_id']);

/** The JSON body for a problem; `instance` is the request id (urn form) when known. */
export function problemBody(err: ProblemError, instance?: string): object {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(err.extra ?? {})) {
    if (!RESERVED.has(key)) body[key] = value;
  }
  return {
    type: `${PROBLEM_TYPE_BASE}${err.code}`,
    title: err.title,
    status: err.status,
    detail: err.detail ?? err.title,
    code: err.code,
    ...(err.errors && err.errors.length > 0 ? { errors: err.errors } : {}),
    ...(instance !== undefined ? { instance } : {}),
    ...body,
  };
}

export function notFound(what: string, id: string): ProblemError {
  return new ProblemError(404, 'E_NOT_FOUND', 'Not found', `${what} '${id}' does not exist`, {
    resource: what,
    id,
  });
}

export function conflict(detail: string, extra?: Record<string, unknown>): ProblemError {
  return new ProblemError(409, 'E_CONFLICT', 'Conflict', detail, extra);
}

export function unavailable(detail: string): ProblemError {
  return new ProblemError(503, 'E_UNAVAILABLE', 'Service unavailable', detail);
}

export function validationError(errors: FieldError[], detail = 'request failed validation'): ProblemError {
  return new ProblemError(400, 'E_VALIDATION', 'Invalid request', detail, undefined, errors);
}
