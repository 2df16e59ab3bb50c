/** Instants as people type them (ISO-8601 or epoch ms) and as the CLI prints them. */

/** Epoch ms as a number (the API takes numbers or ISO text); anything else is passed on as text. */
export function instantArg(text: string): number | string {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : text.trim();
}

/** `2025-03-01T00:00Z`: minutes are what bar opens need; seconds only when present. */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z').replace(/:00Z$/, 'Z');
}

/** Epoch ms of an ISO-8601 or epoch-ms argument; throws on anything else. */
export function instantMs(text: string): number {
  const value = instantArg(text);
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new Error(`'${text}' is neither ISO-8601 nor epoch milliseconds`);
  return ms;
}
