/**
 * The JSON body parser keeps the raw bytes on the request so routes that hash
 * content (strategy and node ids) can re-read numbers losslessly: `1.0` must
 * stay `1.0`, which JSON.parse cannot promise.
 */
import type express from 'express';

export interface RequestWithRawBody {
  rawBody?: Buffer;
}

/** express.json({ verify }) hook that keeps the bytes. */
export function keepRawBody(req: unknown, _res: unknown, buf: Buffer): void {
  (req as RequestWithRawBody).rawBody = buf;
}

export function rawBodyText(req: express.Request): string | undefined {
  return (req as RequestWithRawBody).rawBody?.toString('utf8');
}
