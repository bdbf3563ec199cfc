import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type PinoPretty from 'pino-pretty';
import { createRequire } from 'node:module';
import { redactLinksInText, serializeRequestForLog } from './link-redaction.ts';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
/** auto: readable lines on a terminal, JSON lines otherwise. */
export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * A person at a terminal reads lines; a log collector parses JSON. `auto` decides by
 * whether stdout is a terminal, so `npm start` is readable and a service unit or a
 * container without a TTY keeps the JSON that operators expect.
 */
export function resolveLogFormat(setting: LogFormat, stdoutIsTTY: boolean): 'json' | 'pretty' {
  if (setting !== 'auto') return setting;
  return stdoutIsTTY ? 'pretty' : 'json';
}

export interface LoggerSettings {
  logLevel: LogLevel;
  logFormat?: LogFormat;
}

/**
 * `destination` replaces stdout (tests read the lines). Every line, whatever logged it,
 * passes the link redaction before it is written: an answer link's token never reaches
 * the log (src/logging/link-redaction.ts).
 */
export function createLogger(settings: LoggerSettings, stdout: { isTTY?: boolean } = process.stdout, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level: settings.logLevel,
    base: { service: 'efa-rollout' },
    serializers: { req: serializeRequestForLog },
    hooks: { streamWrite: redactLinksInText },
  };
  if (destination) return pino(options, destination);
  if (resolveLogFormat(settings.logFormat ?? 'auto', stdout.isTTY === true) === 'json') return pino(options);
  // In this thread and synchronous (not a worker transport): a failed start that exits
  // right away still shows its last lines, and there is no extra thread to pay for.
  // Loaded only here: a service with JSON logs does not carry it (~7 MB).
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  const stream = pretty({
    destination: 1,
    sync: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,service',
    singleLine: true,
  });
  return pino(options, stream);
}
