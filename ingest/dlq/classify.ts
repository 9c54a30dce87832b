import type { DecodedDlq } from './decoders'

/**
 * The business error behind a decoded DLQ record, for conventions that only carry a Java exception
 * (Spring, Connect, Streams, SmallRye): the innermost message, an ERP message code found in it
 * (SAP's `M7/053`, an HTTP status as `HTTP_503`), and the EVENT-MODEL.md error category.
 */

export interface ErrorFacts {
  message: string | undefined
  code: string | undefined
  category: string | undefined
}

/** Spring wraps the cause: "Listener method … threw exception; nested exception is <class>: <message>". */
const NESTED = /nested exception is ([\w.$]+): ([\s\S]*)$/
/** SAP's message class / number, e.g. M7/053, VAL/001. */
const SAP_CODE = /\b([A-Z][A-Z0-9]{0,3}\/\d{3})\b/
const HTTP_CLASS = /Http(Client|Server)ErrorException/
const HTTP_STATUS = /^(\d{3})\s/
/** A status line any middleware may put first (Connect sinks rethrow the HTTP client's text in their own class). */
const HTTP_STATUS_LINE = /^(\d{3})\s+(?:Too Many Requests|Service Unavailable|Gateway Timeout|Bad Gateway|Forbidden|Unauthorized|Internal Server Error|Conflict|Bad Request|Not Found|Request Timeout|CSRF token)\b/i

/** ERP codes whose category the exception alone does not tell (lock conflicts retry; stock deficits wait). */
const CODE_CATEGORY: Readonly<Record<string, string>> = { 'M3/897': 'transient', 'CO/007': 'transient', 'M7/021': 'dependency' }

export function classify(d: DecodedDlq): ErrorFacts {
  const nested = d.errorMessage ? NESTED.exec(d.errorMessage) : null
  const message = (nested ? nested[2] : d.errorMessage)?.trim() || undefined
  const cls = nested?.[1] ?? d.errorClass ?? ''
  const code = d.errorCode ?? sapCode(message) ?? httpCode(cls, message)
  return { message, code, category: d.errorCategory ?? category(cls, code, message) }
}

function sapCode(message: string | undefined): string | undefined {
  return message ? SAP_CODE.exec(message)?.[1] : undefined
}

function httpCode(cls: string, message: string | undefined): string | undefined {
  if (!message) return undefined
  const status = (HTTP_CLASS.test(cls) ? HTTP_STATUS : HTTP_STATUS_LINE).exec(message)?.[1]
  return status ? `HTTP_${status}` : undefined
}

function category(cls: string, code: string | undefined, message: string | undefined): string | undefined {
  if (code && CODE_CATEGORY[code]) return CODE_CATEGORY[code]
  if (/DependencyTimeout/i.test(cls)) return 'dependency'
  if (/PartialPosting/i.test(cls)) return 'partial'
  if (/Retriable|TooManyRequests|ServiceUnavailable|GatewayTimeout|Timeout/i.test(cls) || /^HTTP_(429|503|504)$/.test(code ?? '')) return 'transient'
  return cls || message ? 'permanent' : undefined
}
