/**
 * The Gateway keeps each request's raw body bytes (api/mount.ts reads bodies
 * itself) so routes that hash content (strategy and node ids) can re-read
 * numbers losslessly: `1.0` must stay `1.0`, which JSON.parse cannot promise.
 */
import type express from 'express';

interface RequestWithRawBody {
  rawBody?: Buffer;
}

export function keepRawBody(req: express.Request, bytes: Buffer): void {
  (req as RequestWithRawBody).rawBody = bytes;
}

export function rawBodyText(req: express.Request): string | undefined {
  return (req as RequestWithRawBody).rawBody?.toString('utf8');
}
