/**
 * What to do about an error (issue 19 item 2): per error code the product meets — SAP message ids
 * (EVENT-MODEL.md "Error categories"), HTTP statuses, CSRF expiry, locks, Connect/Streams
 * converter and deserialisation errors — what it means, who usually fixes it, how, and whether a
 * replay before the fix can succeed. A fallback per category covers the rest. Pure and
 * client-safe: the hop panel, the dead-letter page, the exception group and the REST API all call
 * `guidanceFor`, so they never disagree.
 */

export interface ErrorGuidance {
  /** The catalogue entry (`M7/053`, `HTTP_503`, `csrf`, `category:permanent`). */
  key: string
  title: string
  meaning: string
  whoFixes: string
  how: string
  /** False: replaying before the fix only fails again; the primary action is the fix. */
  replayBeforeFixCanSucceed: boolean
  /** How the entry was found: by the code, by a message/class pattern, or the category fallback. */
  matchedBy: 'code' | 'pattern' | 'category'
}

export interface GuidanceInput {
  code?: string | null
  category?: string | null
  text?: string | null
  /** The exception class of a dead letter (Connect/Streams converters are known by it). */
  errorClass?: string | null
}

type Entry = Omit<ErrorGuidance, 'key' | 'matchedBy'>

const FINANCE = 'Finance (the period owner of the company code)'
const MASTER_DATA = 'Master-data team of the plant'

export const GUIDANCE_BY_CODE: Readonly<Record<string, Entry>> = {
  'M7/053': {
    title: 'Posting period closed',
    meaning: 'The posting date lies in a period that is not open for goods movements in this company code (typical at month start until finance opens the new period).',
    whoFixes: FINANCE,
    how: 'Open the period (MMPV for materials management, OB52 for financial accounting) or wait until finance opens it, then replay the group.',
    replayBeforeFixCanSucceed: false,
  },
  'M7/021': {
    title: 'Stock deficit',
    meaning: 'Not enough unrestricted stock of the material/batch in the storage location at posting time: an upstream posting (WMS transfer, goods receipt) has not landed yet.',
    whoFixes: 'Nobody, usually: the upstream transfer must post first; warehouse if it never comes',
    how: 'Check that the upstream transfer or goods receipt posted (MMBE / MB52 for the stock), then replay. If the stock is really missing, the warehouse posts the transfer.',
    replayBeforeFixCanSucceed: false,
  },
  COGI: {
    title: 'Partial posting: backflushed goods movement failed (COGI)',
    meaning: 'The confirmation posted, but a backflushed goods movement of it failed and waits in COGI.',
    whoFixes: 'Production supervisor / warehouse of the plant',
    how: 'Fix the cause of the movement (usually stock, see M7/021) and reprocess it in COGI, or replay only the failed goods movement — never the whole confirmation, which would post twice.',
    replayBeforeFixCanSucceed: false,
  },
  'BS/013': {
    title: 'Order technically completed (TECO)',
    meaning: 'The production order has status TECO: no more confirmations or goods movements are accepted on it.',
    whoFixes: 'Production planning of the plant',
    how: 'Revoke TECO in CO02 (Functions → Restrict processing → Revoke technical completion) and replay, or replay with an edited work order number to post to another order.',
    replayBeforeFixCanSucceed: false,
  },
  'M3/305': {
    title: 'Material not maintained in the plant',
    meaning: 'The material has no plant view (MARC) in this plant, so nothing can be posted for it there.',
    whoFixes: MASTER_DATA,
    how: 'Extend the material to the plant (MM01 / MM50, the missing views), then replay the group.',
    replayBeforeFixCanSucceed: false,
  },
  'M7/120': {
    title: 'No authorisation for the movement type',
    meaning: 'The interface user lacks the authorisation for this movement type in this plant.',
    whoFixes: 'SAP authorisation administrators (basis / security)',
    how: 'Grant the interface user the role for the movement type and plant (PFCG, check with SU53 after a failure), then replay.',
    replayBeforeFixCanSucceed: false,
  },
  'M8/147': {
    title: 'Account determination not possible',
    meaning: 'No G/L account is assigned for this transaction key and valuation class (automatic account determination).',
    whoFixes: 'Finance / controlling (account determination)',
    how: 'Maintain the account assignment in OBYC for the transaction key and valuation class (or correct the material’s valuation class), then replay.',
    replayBeforeFixCanSucceed: false,
  },
  'CO/007': {
    title: 'Order locked by another user',
    meaning: 'Someone (or another interface call) is editing the order at this moment; SAP refuses the concurrent change.',
    whoFixes: 'Nobody: the lock goes away',
    how: 'Replay; if it stays locked, find the lock holder in SM12 and ask them to leave the order.',
    replayBeforeFixCanSucceed: true,
  },
  'M3/897': {
    title: 'Material plant data locked',
    meaning: 'The material’s plant data is locked by another user or posting at this moment.',
    whoFixes: 'Nobody: the lock goes away',
    how: 'Replay; if it stays locked, find the lock holder in SM12.',
    replayBeforeFixCanSucceed: true,
  },
  'VAL/001': {
    title: 'Message rejected by the hub’s validation',
    meaning: 'The message broke the flow’s schema or business rules before it reached ERP (a field missing or out of range).',
    whoFixes: 'The sending system’s team (MES), or the integration team for a rule that is wrong',
    how: 'Fix the sender, or replay with an edited payload that passes validation (the edit is audited).',
    replayBeforeFixCanSucceed: false,
  },
  LT_INVALID: {
    title: 'Telemetry event rejected by Linetrace',
    meaning: 'A hop event did not match the Linetrace event contract and was parked on the telemetry DLQ.',
    whoFixes: 'The team of the emitting system',
    how: 'Fix the emitter so it sends the fields the contract requires (the reason lists them); replaying the same bytes fails again.',
    replayBeforeFixCanSucceed: false,
  },
  HTTP_429: {
    title: 'ERP API rate limit exceeded (HTTP 429)',
    meaning: 'The ERP gateway refused the call because the interface exceeded its quota.',
    whoFixes: 'Nobody, usually; the integration team if it persists (quota or call rate)',
    how: 'Replay at a lower rate; if it keeps happening, lower the hub’s concurrency or raise the quota.',
    replayBeforeFixCanSucceed: true,
  },
  HTTP_503: {
    title: 'ERP unavailable (HTTP 503)',
    meaning: 'No ERP application server (or gateway) was available: maintenance or overload.',
    whoFixes: 'Nobody, usually; SAP basis if it lasts',
    how: 'Replay once ERP answers again (check the system status / SM51).',
    replayBeforeFixCanSucceed: true,
  },
  HTTP_504: {
    title: 'ERP timeout, outcome unknown (HTTP 504)',
    meaning: 'ERP did not answer in time: the posting may or may not have happened.',
    whoFixes: 'Nobody, usually; SAP basis if ERP is slow for long',
    how: 'Replay: the idempotency guard blocks it when the transaction already posted. Check the trace for an ERP document first.',
    replayBeforeFixCanSucceed: true,
  },
  csrf: {
    title: 'CSRF token expired',
    meaning: 'The OData session’s CSRF token expired; the client fetches a new one and retries.',
    whoFixes: 'Nobody: the hub fetches a new token',
    how: 'Replay. If it happens on every call, the integration team checks the hub’s token handling (cookies kept with the token).',
    replayBeforeFixCanSucceed: true,
  },
  HTTP_403: {
    title: 'Forbidden by ERP (HTTP 403)',
    meaning: 'The ERP gateway refused the interface user for this service.',
    whoFixes: 'SAP authorisation administrators',
    how: 'Grant the interface user the service authorisation (PFCG / /IWFND/MAINT_SERVICE), then replay.',
    replayBeforeFixCanSucceed: false,
  },
  lock: {
    title: 'Object locked',
    meaning: 'Another user or process holds a lock on the object; SAP refuses the concurrent change.',
    whoFixes: 'Nobody: the lock goes away',
    how: 'Replay; if it stays locked, find the lock holder in SM12.',
    replayBeforeFixCanSucceed: true,
  },
  converter: {
    title: 'Kafka Connect converter failed',
    meaning: 'The connector could not convert the record’s bytes (key or value) with its configured converter: the bytes are not the format it expects (e.g. plain JSON to a schema-enabled JsonConverter, or Avro without the magic byte).',
    whoFixes: 'Integration team (connector configuration) or the producing system',
    how: 'Align the converter (key.converter / value.converter, schemas.enable) with what the producer writes, or fix the producer; replaying the same bytes into the same converter fails again.',
    replayBeforeFixCanSucceed: false,
  },
  deserialisation: {
    title: 'Record could not be deserialised',
    meaning: 'The consumer’s deserialiser (a Kafka Streams serde, a Spring listener) could not read the record’s bytes: a poison pill.',
    whoFixes: 'The producing system’s team, or the integration team for the serde configuration',
    how: 'Fix the producer or the consumer’s serde; replay with an edited payload only if the record is worth keeping.',
    replayBeforeFixCanSucceed: false,
  },
  master_data: {
    title: 'Master data missing',
    meaning: 'A master-data object (material, batch, storage location, work centre) does not exist or is not maintained for this plant.',
    whoFixes: MASTER_DATA,
    how: 'Create or extend the master data the message names, then replay.',
    replayBeforeFixCanSucceed: false,
  },
}

const BY_CATEGORY: Readonly<Record<string, Entry>> = {
  transient: {
    title: 'Temporary technical failure',
    meaning: 'A technical condition that passes by itself (timeout, overload, lock).',
    whoFixes: 'Nobody, usually',
    how: 'Replay; if it keeps failing, look at the target system’s health.',
    replayBeforeFixCanSucceed: true,
  },
  dependency: {
    title: 'Waiting on an upstream posting',
    meaning: 'The posting needs another posting (a transfer, a goods receipt) that has not landed yet.',
    whoFixes: 'Nobody, usually; the upstream system’s team if it never comes',
    how: 'Check that the upstream posting arrived, then replay.',
    replayBeforeFixCanSucceed: false,
  },
  permanent: {
    title: 'Data problem in the target system',
    meaning: 'The target system refused the data; the same message fails again until someone changes data or settings.',
    whoFixes: 'The owner of the data the message names (master data, finance, planning)',
    how: 'Read the message, fix the data or setting in the target system, then replay.',
    replayBeforeFixCanSucceed: false,
  },
  partial: {
    title: 'Partially posted',
    meaning: 'Part of the posting succeeded; another part failed.',
    whoFixes: 'Production supervisor / warehouse',
    how: 'Replay only the failed part, never the whole message.',
    replayBeforeFixCanSucceed: false,
  },
  unknown: {
    title: 'Unclassified failure',
    meaning: 'Linetrace could not tell the kind of error from what the middleware recorded.',
    whoFixes: 'Integration team',
    how: 'Read the message and the stack trace; replay only when you know why it failed.',
    replayBeforeFixCanSucceed: false,
  },
}

/** Message and class patterns for errors without a catalogued code, tried in order. */
const PATTERNS: readonly [RegExp, keyof typeof GUIDANCE_BY_CODE][] = [
  [/\bCOGI\b|backflush/i, 'COGI'],
  [/csrf/i, 'csrf'],
  [/\b(locked by|is already being processed by|enqueue|lock(ed)? (conflict|timeout)|foreign lock)\b/i, 'lock'],
  [/Converting byte\[\] to Kafka Connect data failed|\bConverter\b|(KEY|VALUE|HEADER)_CONVERTER/, 'converter'],
  [/Deserializ|Deserialis|SerializationException|Size of data received by \w+ is not/i, 'deserialisation'],
  [/\bnot maintained\b|does not exist|not found in plant/i, 'master_data'],
]

const HTTP_FROM_TEXT = /\b(?:HTTP[ _/]?(429|503|504)|(429|503|504) (?:Too Many Requests|Service Unavailable|Gateway Timeout))\b/i

function found(key: string, entry: Entry, matchedBy: ErrorGuidance['matchedBy']): ErrorGuidance {
  return { key, matchedBy, ...entry }
}

/**
 * The guidance for an error: the code's entry (COGI and CSRF refine M7/021 and HTTP 403 by their
 * text), else a pattern over the message and exception class, else the category's fallback.
 */
export function guidanceFor({ code, category, text, errorClass }: GuidanceInput): ErrorGuidance {
  const haystack = `${text ?? ''}\n${errorClass ?? ''}`
  if (category === 'partial' || (code === 'M7/021' && /\bCOGI\b|backflush/i.test(haystack))) return found('COGI', GUIDANCE_BY_CODE.COGI!, code ? 'code' : 'pattern')
  if (code === 'HTTP_403' && /csrf/i.test(haystack)) return found('csrf', GUIDANCE_BY_CODE.csrf!, 'code')
  if (code && Object.hasOwn(GUIDANCE_BY_CODE, code)) return found(code, GUIDANCE_BY_CODE[code]!, 'code')
  const http = HTTP_FROM_TEXT.exec(haystack)
  if (http) {
    const key = `HTTP_${http[1] ?? http[2]}`
    return found(key, GUIDANCE_BY_CODE[key]!, 'pattern')
  }
  for (const [re, key] of PATTERNS) if (re.test(haystack)) return found(key, GUIDANCE_BY_CODE[key]!, 'pattern')
  const cat = category && Object.hasOwn(BY_CATEGORY, category) ? category : 'unknown'
  return found(`category:${cat}`, BY_CATEGORY[cat]!, 'category')
}

/**
 * The primary action of a dead letter: "replay" when a replay can succeed now (transient causes)
 * or someone marked the cause fixed; otherwise "fix" — the guidance first, with "Mark fixed &
 * replay" beside it.
 */
export function primaryAction(guidance: Pick<ErrorGuidance, 'replayBeforeFixCanSucceed'>, markedFixed: boolean): 'replay' | 'fix' {
  return guidance.replayBeforeFixCanSucceed || markedFixed ? 'replay' : 'fix'
}
