/**
 * A small Server-Sent Events reader for GET /v1/events/stream: id/event/data
 * lines, comments ignored. Reads until `enough` holds (stopping at exactly
 * that frame, so a resume can start right after it) or `timeoutMs` passes,
 * then disconnects.
 */
export interface SseEvent {
  id: string;
  event: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- CloudEvents envelopes of any payload
  data: any;
}

export async function readEventStream(options: {
  url: string;
  key: string;
  query: string;
  enough: (events: SseEvent[]) => boolean;
  headers?: Record<string, string>;
  timeoutMs?: number;
}): Promise<SseEvent[]> {
  const { enough } = options;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.timeoutMs ?? 20_000);
  const events: SseEvent[] = [];
  try {
    const res = await fetch(`${options.url}/v1/events/stream${options.query}`, {
      headers: { authorization: `Bearer ${options.key}`, ...options.headers },
      signal: abort.signal,
    });
    if (res.status !== 200) throw new Error(`event stream answered ${res.status}`);
    const type = res.headers.get('content-type') ?? '';
    if (!type.startsWith('text/event-stream')) throw new Error(`event stream content type: ${type}`);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    while (!enough(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0 && !enough(events)) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields: Record<string, string> = {};
        for (const line of frame.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
        }
        if (fields.data !== undefined)
          events.push({ id: fields.id!, event: fields.event!, data: JSON.parse(fields.data) });
      }
    }
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    abort.abort(); // disconnect
  }
  return events;
}
