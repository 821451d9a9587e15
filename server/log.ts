/**
 * Logger factory: JSON lines (pino) by default, readable output on request. Secrets are redacted.
 * @module
 */
import pino, { type Logger } from 'pino'

/** Creates the process logger. */
export function createLogger(level: string, pretty: boolean, name = 'xanh'): Logger {
  return pino({
    name,
    level,
    redact: { paths: ['token', '*.token', 'password', '*.password', 'req.headers.authorization'], censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
  })
}
