import type { RouterOutputs } from '../trpc/client'

/** One dead letter as its page shows it (deadLetters.get). */
export type DeadLetter = RouterOutputs['deadLetters']['get']
