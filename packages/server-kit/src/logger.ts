import { pino, type Logger } from 'pino';

export type { Logger };

/** One structured JSON logger per service; LOG_LEVEL sets the level (default info, silent in tests). */
export function createLogger(service: string, env: Readonly<Record<string, string | undefined>> = process.env): Logger {
  const level = env['LOG_LEVEL'] ?? (env['NODE_ENV'] === 'test' ? 'warn' : 'info');
  return pino({ name: service, level, base: { service } });
}
