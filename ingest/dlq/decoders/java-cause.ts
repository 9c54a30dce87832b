/**
 * The root cause of a Java exception as DLQ headers carry it. spring-kafka 3.x/4.x
 * (DeadLetterPublishingRecoverer.buildMessage) writes the exception message as
 * "<wrapper message>; <root cause message>" when the root cause says something else, e.g.
 * "Listener method '…' threw exception; Material 100-200 not maintained in plant 1000"; 2.x (Spring 5)
 * wrote "…; nested exception is <class>: <message>". People triage the cause, not the wrapper.
 */

export interface JavaCause {
  className?: string
  message?: string
}

/** A stack trace line that ends an exception message: a frame, "... n more", the next cause or a suppressed one. */
const TRACE_LINE = /^\s*(at\s|\.\.\.\s\d+\s+more|Caused by:|Suppressed:)/
const CAUSED_BY = /^Caused by: ([\w.$]+)(?::\s?(.*))?$/

/** The innermost `Caused by:` of a printed stack trace (its class and its possibly multi-line message). */
export function lastCausedBy(stackTrace: string | undefined): JavaCause | undefined {
  if (!stackTrace) return undefined
  const lines = stackTrace.split(/\r?\n/)
  let start = -1
  // Only top-level causes (not indented, so not a suppressed exception's own chain).
  for (let i = 0; i < lines.length; i++) if (lines[i]!.startsWith('Caused by: ')) start = i
  if (start < 0) return undefined
  const head = CAUSED_BY.exec(lines[start]!)
  if (!head) return undefined
  const body = [head[2] ?? '']
  for (let i = start + 1; i < lines.length && !TRACE_LINE.test(lines[i]!); i++) body.push(lines[i]!)
  const message = head[2] === undefined ? undefined : body.join('\n').trim() || undefined
  return { className: head[1], message }
}

/**
 * Spring's listener wrappers: the invoking adapter's ("Listener method '<signature>' threw exception",
 * "Listener method could not be invoked with the incoming message" plus its endpoint details) and
 * the container's ("Listener failed").
 */
const SPRING_WRAPPER = /^(?:Listener method '[^']*' threw exception|Listener method could not be invoked with the incoming message(?:\nEndpoint handler details:\nMethod \[[^\]\n]*\]\nBean \[[^\]\n]*\])?|Listener failed|invokeHandler Failed)(?:; ([\s\S]+))?$/
/** Spring 5's NestedRuntimeException text; the last one is the innermost. */
const NESTED = /; nested exception is ([\w.$]+): ([\s\S]*)$/

/**
 * The root cause's message from what spring-kafka wrote: the exception message (`kafka_dlt-exception-message`)
 * and the printed stack trace (`kafka_dlt-exception-stacktrace`).
 * 1. The stack trace's last `Caused by:` is the root cause itself: when the message is it, or ends in
 *    "; " + it (buildMessage's join), the message is reduced to it.
 * 2. Without a usable trace, Spring 5's "nested exception is" is followed, and a known wrapper's text is cut off.
 * Anything else is the message as written (an exception without a distinct cause is its own root).
 */
export function springRootCause(message: string | undefined, stackTrace: string | undefined): JavaCause {
  const fromTrace = lastCausedBy(stackTrace)
  const traced = fromTrace?.message
  if (traced && (message === undefined || message === traced || message.endsWith(`; ${traced}`))) return { className: fromTrace.className, message: traced }
  if (message === undefined) return { className: fromTrace?.className }
  const nested = lastNested(message)
  if (nested) return nested
  const wrapper = SPRING_WRAPPER.exec(message)
  if (wrapper) return { className: fromTrace?.className, message: wrapper[1]?.trim() || traced || message }
  return { message }
}

function lastNested(message: string): JavaCause | undefined {
  let rest = message
  let found: JavaCause | undefined
  for (let m = NESTED.exec(rest); m; m = NESTED.exec(rest)) {
    found = { className: m[1], message: m[2]!.trim() || undefined }
    rest = m[2]!
  }
  return found
}
