/**
 * The ControlBus event stream (SPEC §5, §10): Server-Sent Events tailing the
 * store's event log, filtered by topic and world, resuming after the seq in
 * `Last-Event-ID`. Authenticated like every route (an open stream is a QMTL
 * defect, SPEC §12). Everything is validated before the first byte is sent,
 * so bad input is a 400 problem, never a half-open stream.
 */
import type express from 'express';
import { z } from 'zod';
import type { EventRecord, Store } from '../../activities/store/port';
import { worldIdSchema } from '../../domain/world/world';
import { validationError } from '../errors';
import { defineRoute, type RouteSpec } from '../route';
import type { Logger } from '../../workers/logger';

export const SSE_CONTENT_TYPE = 'text/event-stream';
const TOPIC = '[a-z][a-z0-9_]{0,63}';
const SEQ = /^\d{1,15}$/;
/** Events per store read; a full page is followed by the next at once. */
const PAGE = 200;

export interface EventRouteDeps {
  store: Store;
  /** How often an idle stream asks the store for new events. */
  pollMs?: number;
  /** A comment line after this much silence keeps proxies from closing the connection. */
  heartbeatMs?: number;
}

const querySchema = z.object({
  topics: z
    .string()
    .regex(new RegExp(`^${TOPIC}(,${TOPIC}){0,31}$`), 'comma-separated topics such as "order,kill_switch"')
    .optional(),
  world_id: worldIdSchema.optional(),
  last_event_id: z.string().regex(SEQ, 'an event id (seq) this stream sent').optional(),
});

export function eventRoutes({ store, pollMs = 250, heartbeatMs = 15_000 }: EventRouteDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/events/stream',
      operationId: 'streamEvents',
      summary:
        'Server-Sent Events of the ControlBus log (id: seq, event: topic, data: CloudEvents JSON); resumes after Last-Event-ID',
      tags: ['events'],
      access: 'reader',
      query: querySchema,
      responses: {
        200: {
          description: 'An endless event stream; send Last-Event-ID (or last_event_id) to resume after it',
          contentType: SSE_CONTENT_TYPE,
        },
      },
      async handler(ctx) {
        const afterSeq = resumePoint(ctx.req.get('last-event-id'), ctx.query.last_event_id);
        await tail(ctx.res, ctx.log, {
          store,
          pollMs,
          heartbeatMs,
          afterSeq,
          topics: ctx.query.topics?.split(','),
          worldId: ctx.query.world_id,
        });
        return { status: 200, stream: true };
      },
    }),
  ];
}

/** The header wins over the query: a browser's EventSource reconnects to the first URL with a newer header. */
function resumePoint(header: string | undefined, query: string | undefined): number {
  if (header !== undefined && header.trim() !== '') {
    if (!SEQ.test(header.trim()))
      throw validationError([
        { path: 'headers.last-event-id', message: 'an event id (seq) this stream sent' },
      ]);
    return Number(header.trim());
  }
  return query === undefined ? 0 : Number(query);
}

/** One SSE frame; JSON has no raw newlines, so data fits on one line. */
export function sseFrame(event: EventRecord): string {
  const envelope = {
    specversion: '1.0',
    id: event.eventKey,
    source: 'qmtl/controlbus',
    type: `qmtl.${event.topic}`,
    time: event.at,
    subject: event.key,
    datacontenttype: 'application/json',
    seq: event.seq,
    ...(event.worldId === undefined ? {} : { worldid: event.worldId }),
    data: event.payload,
  };
  return `id: ${event.seq}\nevent: ${event.topic}\ndata: ${JSON.stringify(envelope)}\n\n`;
}

interface TailOptions {
  store: Store;
  pollMs: number;
  heartbeatMs: number;
  afterSeq: number;
  topics?: string[];
  worldId?: string;
}

/** Writes events until the client goes away; a store failure ends the stream (the client resumes). */
async function tail(res: express.Response, log: Logger, o: TailOptions) {
  let open = true;
  let wake: () => void = () => undefined;
  const stop = () => {
    open = false;
    wake();
  };
  // The response's close: a request's own close can fire as soon as its (empty) body is read.
  res.on('close', stop);
  res.status(200);
  res.setHeader('content-type', `${SSE_CONTENT_TYPE}; charset=utf-8`);
  res.setHeader('cache-control', 'no-cache, no-transform');
  res.setHeader('x-accel-buffering', 'no'); // nginx would otherwise buffer the stream
  res.flushHeaders();

  // Waits out backpressure, so a slow client holds one page in memory, not the whole log.
  const write = async (chunk: string) => {
    if (res.write(chunk) || !open) return;
    await new Promise<void>((resolve) => {
      wake = resolve;
      res.once('drain', resolve);
    });
  };

  let cursor = o.afterSeq;
  let lastWrite = Date.now();
  try {
    await write('retry: 1000\n\n');
    while (open) {
      const page = await o.store.events.read({
        afterSeq: cursor,
        topics: o.topics,
        worldId: o.worldId,
        limit: PAGE,
      });
      for (const event of page) {
        if (!open) break;
        await write(sseFrame(event));
        cursor = event.seq;
        lastWrite = Date.now();
      }
      if (page.length === PAGE) continue;
      if (Date.now() - lastWrite >= o.heartbeatMs) {
        await write(': heartbeat\n\n');
        lastWrite = Date.now();
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, o.pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } catch (err) {
    log.error({ err }, 'event stream failed');
  } finally {
    res.off('close', stop);
    res.end();
  }
}
