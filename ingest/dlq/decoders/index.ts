import type { Headers } from '../../../server/bus/port'
import { connectDecoder } from './connect'
import { compact, int, integer, text, textUnder } from './header-values'
import { hubDecoder, linetraceDecoder } from './hub'
import { smallryeDecoder } from './smallrye'
import { springDecoder } from './spring'
import { streamsDecoder } from './streams'
import type { DecodedDlq, DlqDecoder } from './types'

export type { DecodedDlq, DlqConvention } from './types'

/**
 * Every convention we read, most specific first. A replayed record that failed again under another
 * convention carries both header families; the one that failed last wrote its headers last, but
 * header order is not reliable across middleware, so the order here decides (our hub's own
 * headers know the business error best).
 */
const DECODERS: readonly DlqDecoder[] = [hubDecoder, springDecoder, connectDecoder, streamsDecoder, smallryeDecoder, linetraceDecoder]

/** Decodes a DLQ record's headers; no known header family → convention 'unknown' (replay needs an explicit target). */
export function decodeDlqHeaders(headers: Headers): DecodedDlq {
  const decoder = DECODERS.find((d) => d.matches(headers))
  return decoder ? decoder.decode(headers) : { convention: 'unknown', details: {} }
}

/**
 * A record on a Kafka share group's dead-letter topic (KIP-1191, Kafka 4.4+), told by its topic's
 * broker-enforced prefix (`errors.deadletterqueue.topic.name.prefix`, default `dlq.`). The broker
 * writes context headers as decimal text: `__dlq.errors.topic`, `.partition`, `.offset` and `.group`
 * (the share group that gave up on it), the names Kafka's own ShareConsumerDLQTest reads. The value
 * is copied only with `errors.deadletterqueue.copy.record.enable`; without it the record is headers
 * only. A record whose client also wrote a known family (e.g. Spring) keeps that decoding.
 */
const SHARE = '__dlq.errors.'

export function decodeDlqRecord(topic: string, headers: Headers, shareGroupPrefix: string): DecodedDlq {
  const decoded = decodeDlqHeaders(headers)
  if (decoded.convention !== 'unknown' || !shareGroupPrefix || !topic.startsWith(shareGroupPrefix)) return decoded
  const deliveryCount = int(headers, `${SHARE}delivery.count`)
  return compact({
    convention: 'share_group' as const,
    sourceTopic: text(headers, `${SHARE}topic`),
    sourcePartition: int(headers, `${SHARE}partition`),
    sourceOffset: integer(headers, `${SHARE}offset`),
    consumerGroup: text(headers, `${SHARE}group`),
    errorMessage: text(headers, `${SHARE}message`),
    attempts: deliveryCount,
    details: compact({ shareGroupTopic: topic, ...textUnder(headers, SHARE) }) as Record<string, string>,
  })
}
