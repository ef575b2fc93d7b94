import { Logger } from '@aws-lambda-powertools/logger';
import { Console } from 'node:console';

/** The slice of a logger the core needs; tests pass a recorder. */
export interface Log {
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'cmk-sentinel' });

type LogLevel = Parameters<Logger['setLogLevel']>[0];

/**
 * Local runs (CLI, demo): stdout carries the result (`cmk-sentinel handle f.json | jq .`), so every log line goes
 * to stderr. Powertools writes INFO to stdout through its own Console, made when the logger is; it has no option
 * for the stream, so that Console is replaced (the field is TypeScript-private, a plain property at run time).
 * The level is set here too: POWERTOOLS_LOG_LEVEL is read when the logger is made, before a script sets it.
 */
export const logToStderr = (l: Logger = logger, level?: LogLevel): Logger => {
  (l as unknown as { console: Console }).console = new Console({ stdout: process.stderr, stderr: process.stderr });
  if (level) l.setLogLevel(level);
  return l;
};
