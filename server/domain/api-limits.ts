/**
 * Most procedure calls in one batched tRPC request: the route refuses more (400), and the console's
 * batch link splits its calls to stay within it. Unbounded batches let one request run hundreds
 * of queries.
 */
export const MAX_BATCH_SIZE = 50
