import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

/** The `logging` key of the config. */
export interface LoggingSettings {
  readonly level?: string | undefined;
  readonly format?: 'json' | 'pretty' | 'auto' | undefined;
}

/**
 * The gateway's pino logger: JSON lines (one object per event, what log shippers want), or
 * pino-pretty's coloured lines when `format` is `pretty`, or `auto` and stdout is a terminal.
 * `destination` replaces stdout (tests capture the lines).
 */
export function createLogger(
  settings: LoggingSettings | undefined,
  destination?: DestinationStream,
): Logger {
  const level = settings?.level ?? 'info';
  const format = settings?.format ?? 'auto';
  const isPretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  if (destination !== undefined) return pino({ level, base: undefined }, destination);
  if (isPretty) {
    return pino(
      { level, base: undefined },
      pretty({ colorize: process.stdout.isTTY === true, sync: true, ignore: 'pid,hostname' }),
    );
  }
  return pino({ level, base: undefined }, pino.destination({ sync: false }));
}
