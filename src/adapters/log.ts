import { type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'json' | 'pretty';

/**
 * The process's logger. JSON lines for machines (a log shipper, `docker logs`); on a terminal, lines a person
 * reads: the time, the level in colour and the message, with the fields that matter below it.
 */
export const createLogger = (level: string, format: LogFormat): Logger =>
  format === 'pretty'
    ? pino(
        { level },
        pretty({
          colorize: true,
          translateTime: 'SYS:HH:MM:ss',
          ignore: 'pid,hostname,reqId',
          sync: true,
        }),
      )
    : pino({ level });
