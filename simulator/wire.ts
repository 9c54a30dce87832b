import type { HubMessage } from '../server/domain/flow-messages'
import type { HopEventInput } from '../server/domain/hop-event'
import type { OutgoingRecord } from '../server/bus/port'
import { traceparent } from './ids'
import type { Encoding } from './model'

/**
 * Hop events on the telemetry topic, key = correlation_id, in the three accepted encodings of
 * EVENT-MODEL.md "On the wire". Both CloudEvents modes leave out of the hop fields what the
 * CloudEvent attributes carry (id, type, time, correlation and causation ids), so the ingest
 * decoders' mapping is exercised rather than bypassed. Every record also has a plain `traceparent`
 * header, as an instrumented producer would add. Also the plants' business messages on their
 * source topics (sourceRecord).
 */


export function encodeHopEvent(event: HopEventInput, encoding: Encoding, ceSource: string): OutgoingRecord {
  const tp = event.trace_id && event.span_id ? traceparent(event.trace_id, event.span_id) : undefined
  const timestamp = Date.parse(event.occurred_at)
  const headers: Record<string, string> = {}
  if (tp) headers.traceparent = tp
  if (encoding === 'json') {
    headers['content-type'] = 'application/json'
    return { key: event.correlation_id, value: JSON.stringify(event), headers, timestamp }
  }
  // The hop fields a CloudEvent carries as attributes (ce_id → event_id, …) are left out of the data.
  // Destructuring, not `delete`: deleting keys makes V8 serialise the object several times slower.
  const { event_id: _id, event_type: _type, occurred_at: _time, correlation_id: _corr, causation_id: _cause, ...data } = event
  if (encoding === 'ce-structured') {
    headers['content-type'] = 'application/cloudevents+json; charset=utf-8'
    const ce = {
      specversion: '1.0',
      id: event.event_id,
      type: event.event_type,
      source: ceSource,
      time: event.occurred_at,
      subject: event.correlation_id,
      datacontenttype: 'application/json',
      correlationid: event.correlation_id,
      causationid: event.causation_id,
      traceparent: tp,
      data,
    }
    return { key: event.correlation_id, value: JSON.stringify(ce), headers, timestamp }
  }
  headers['content-type'] = 'application/json'
  headers.ce_specversion = '1.0'
  headers.ce_id = event.event_id
  headers.ce_type = event.event_type
  headers.ce_source = ceSource
  headers.ce_time = event.occurred_at
  headers.ce_correlationid = event.correlation_id
  if (event.causation_id) headers.ce_causationid = event.causation_id
  if (tp) headers.ce_traceparent = tp
  return { key: event.correlation_id, value: JSON.stringify(data), headers, timestamp }
}

/** A plant's business message on its source topic (README.md "Source records"): key = correlation id, timestamp = the send time. */
export function sourceRecord(message: HubMessage, traceparent: string): OutgoingRecord {
  return {
    key: message.correlation_id,
    value: JSON.stringify(message),
    headers: {
      'content-type': 'application/json',
      correlation_id: message.correlation_id,
      idempotency_key: message.idempotency_key,
      traceparent,
      'x-message-type': message.message_type,
      'x-source-system': message.source.system,
      'x-flow': message.flow,
    },
    timestamp: Date.parse(message.sent_at),
  }
}
