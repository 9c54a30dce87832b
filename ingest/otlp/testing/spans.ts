import type { OtlpSpan } from '../span'

/** A decoded span in memory, for mapping rules the SDK tests do not reach; `overrides` replace fields. */
export function makeSpan(overrides: Partial<OtlpSpan> = {}): OtlpSpan {
  return {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    name: 'send confirmations',
    kind: 'producer',
    startTimeUnixNano: 1_764_889_200_000_000_000n,
    endTimeUnixNano: 1_764_889_200_250_000_000n,
    attributes: { 'messaging.system': 'kafka', 'messaging.operation.type': 'send' },
    events: [],
    links: [],
    status: { code: 'unset' },
    resource: { 'service.name': 'camel-confirmations', 'linetrace.plant': '2000' },
    scope: { name: 'test' },
    ...overrides,
  }
}
