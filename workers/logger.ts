/** Structured JSON logs (pino) shared by the launcher, workers and the Gateway. */
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'qmtl'): Logger {
  return pino({ name, level, base: { service: name } });
}
