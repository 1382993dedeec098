import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

export function createLogger(level: string, name = 'media-studio'): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}
