import type { TapDefinitionInput } from '../../domain/taps'

/** A tap of MES confirmations (MES_CONF_ID, PLANT, AUFNR), as the taps services' tests create and preview it. */
export const confirmationTap = (name: string, change: Partial<TapDefinitionInput> = {}): TapDefinitionInput => ({
  name,
  topic: 'mes.confirmations',
  mapping: {
    correlation_id: '$.MES_CONF_ID',
    event_type: { value: 'production.operation_confirmed' },
    flow: { value: 'production_confirmation' },
    hop: { value: 'mes' },
    plant: '$.PLANT',
    business: { work_order: '$.AUFNR' },
  },
  ...change,
})
