import type { Headers } from '../../../server/bus/port'
import { connectDecoder } from './connect'
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
 * A record on a Kafka share group's dead-letter topic (KIP-1191, Kafka 4.2+), told by its topic's
 * broker-enforced prefix (`errors.deadletterqueue.topic.name.prefix`, default `dlq.`). Only the
 * name is relied on: the broker's context header names were not verifiable when this was written,
 * so a record with none of the known header families stays without a source and needs an explicit
 * replay target; one whose client also wrote a known family (e.g. Spring) keeps that decoding.
 */
export function decodeDlqRecord(topic: string, headers: Headers, shareGroupPrefix: string): DecodedDlq {
  const decoded = decodeDlqHeaders(headers)
  if (decoded.convention !== 'unknown' || !shareGroupPrefix || !topic.startsWith(shareGroupPrefix)) return decoded
  return { convention: 'share_group', details: { shareGroupTopic: topic } }
}
