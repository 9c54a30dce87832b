/**
 * Where to go after login: the `next` parameter, only if it stays on the console. It is resolved the
 * way the browser will resolve it (which drops tabs and newlines and reads `\` as `/`), so text that
 * merely looks like a path — `/\evil`, `/%09/evil`, `/.//evil` — cannot leave the origin.
 */
export function safeNext(next: string | null, origin: string): string {
  if (!next) return '/'
  let base: URL
  let target: URL
  try {
    base = new URL(origin)
    target = new URL(next, base)
  } catch {
    return '/'
  }
  if (target.origin !== base.origin) return '/'
  const path = `${target.pathname}${target.search}${target.hash}`
  // A path that itself reads as another origin (`//evil` out of `/.//evil`) is refused as well.
  return new URL(path, base).origin === base.origin ? path : '/'
}
