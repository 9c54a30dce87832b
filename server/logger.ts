import pino from 'pino'

/**
 * Structured JSON logs. Secrets never reach a log line: the redact list covers every field that
 * may carry one (passwords, tokens, cookies, authorization headers, connection strings).
 */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { service: 'linetrace' },
  redact: {
    paths: [
      'password',
      '*.password',
      'token',
      '*.token',
      'authorization',
      '*.authorization',
      'headers.cookie',
      'req.headers.cookie',
      'req.headers.authorization',
      'DATABASE_URL',
      'AUTH_SECRET',
      'ADMIN_API_TOKEN',
      'CLICKHOUSE_PASSWORD',
      'KAFKA_SASL_PASSWORD',
    ],
    censor: '[redacted]',
  },
  timestamp: pino.stdTimeFunctions.isoTime,
})

export type Logger = typeof logger
