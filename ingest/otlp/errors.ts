import type { HopError } from '../../server/domain/hop-event'
import { attributeText } from './attributes'
import type { OtlpSpan } from './span'

/**
 * A failed span → the hop's `error` (EVENT-MODEL.md categories). The HTTP status decides when there
 * is one: 408/409 (ERP lock)/425/429/502/503/504 are transient, other 4xx and 5xx permanent (most
 * ERP failures are data errors). Without one, `error.type` or the exception type decides:
 * timeouts, refused or reset connections and "unavailable" are transient, the rest permanent.
 * Code: `error.type`, else the exception type, else `HTTP_<status>`; text: the exception message,
 * else the span status message.
 */

const TRANSIENT_HTTP = new Set([408, 409, 425, 429, 502, 503, 504])
export const TRANSIENT_TYPE = /timeout|timed ?out|ETIMEDOUT|ECONNRESET|ECONNREFUSED|EAI_AGAIN|EPIPE|unavailable|connection|throttl/i

export function httpStatusOf(span: OtlpSpan): number | undefined {
  const value = span.attributes['http.response.status_code'] ?? span.attributes['http.status_code']
  const status = typeof value === 'string' ? Number(value) : value
  return typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599 ? status : undefined
}

export function spanError(span: OtlpSpan, httpStatus: number | undefined): HopError {
  const exception = span.events.find((event) => event.name === 'exception')
  const errorType = attributeText(span.attributes['error.type']) ?? attributeText(exception?.attributes['exception.type'])
  const message = attributeText(exception?.attributes['exception.message']) ?? span.status.message
  const category: HopError['category'] = httpStatus
    ? TRANSIENT_HTTP.has(httpStatus) ? 'transient' : 'permanent'
    : errorType && TRANSIENT_TYPE.test(errorType) ? 'transient' : 'permanent'
  const code = errorType ?? (httpStatus ? `HTTP_${httpStatus}` : 'ERROR')
  return {
    category,
    code: code.slice(0, 64),
    text: (message ?? (httpStatus ? `HTTP ${httpStatus}` : code)).slice(0, 4000),
    retryable: category === 'transient',
    ...(httpStatus && { http_status: httpStatus }),
  }
}
