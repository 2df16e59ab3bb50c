/**
 * Per-request id and access log. The id comes from the caller's X-Request-Id
 * (when sane) or is generated; it is echoed as a response header, bound to
 * `req.log`, and quoted in problem bodies so a 500 can be found in the logs.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp, type HttpLogger } from 'pino-http';
import type { Logger } from '../workers/logger';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** Caller-chosen ids are accepted only in a log-safe shape (no spaces, quotes or newlines). */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFor(header: string | string[] | undefined): string {
  return typeof header === 'string' && SAFE_REQUEST_ID.test(header) ? header : randomUUID();
}

export function requestLogger(log: Logger): HttpLogger {
  return pinoHttp({
    logger: log,
    genReqId(req: IncomingMessage, res: ServerResponse) {
      const id = requestIdFor(req.headers['x-request-id']);
      res.setHeader(REQUEST_ID_HEADER, id);
      return id;
    },
    customLogLevel(_req, res, err) {
      if (err || res.statusCode >= 500) return 'error';
      return res.statusCode >= 400 ? 'warn' : 'info';
    },
    // The default serializer logs every header, including Authorization: keep
    // the log free of API keys by recording only what an operator needs.
    serializers: {
      req: (req: { method?: string; url?: string; remoteAddress?: string }) => ({
        method: req.method,
        url: req.url,
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
  });
}
