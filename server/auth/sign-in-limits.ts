/**
 * Password guessing is limited per account and client address, with a ceiling per address. Shop-
 * floor PCs often share one NAT address: one person mistyping (or one script guessing) an account
 * must not lock everybody behind that address out, while one address still cannot try passwords
 * across many accounts faster than the ceiling. Attempts refused by the account limit do not count
 * towards the ceiling, so hammering one account locks out only that account from that address.
 */
export const SIGN_IN_LIMITS = {
  /** Attempts at one account from one address per window. */
  perAccountAndAddress: 10,
  /** Attempts from one address, whatever the account, per window. */
  perAddress: 60,
  windowMs: 60_000,
} as const

/** Windows kept at most; beyond this, expired ones are dropped first and then the oldest. */
const MAX_TRACKED = 100_000

interface Window {
  startedAt: number
  count: number
}

export type SignInVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number }

/**
 * Fixed windows in this process's memory, like better-auth's own limiter: a console behind a load
 * balancer with N instances allows up to N times the limits.
 */
export function createSignInLimiter(now: () => number = Date.now) {
  const windows = new Map<string, Window>()

  function current(key: string, at: number): Window | undefined {
    const window = windows.get(key)
    return window && at - window.startedAt < SIGN_IN_LIMITS.windowMs ? window : undefined
  }

  function count(key: string, at: number) {
    const window = current(key, at)
    if (window) window.count++
    else windows.set(key, { startedAt: at, count: 1 })
  }

  function refused(window: Window, at: number): SignInVerdict {
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window.startedAt + SIGN_IN_LIMITS.windowMs - at) / 1000)) }
  }

  function prune(at: number) {
    if (windows.size < MAX_TRACKED) return
    for (const [key, window] of windows) if (at - window.startedAt >= SIGN_IN_LIMITS.windowMs) windows.delete(key)
    for (const key of windows.keys()) {
      if (windows.size < MAX_TRACKED) break
      windows.delete(key)
    }
  }

  return {
    /** Counts one attempt at `account` (an email) from `address`, or refuses it. */
    attempt(account: string, address: string): SignInVerdict {
      const at = now()
      prune(at)
      // JSON keeps the two parts apart whatever characters an email holds.
      const accountKey = JSON.stringify([account.trim().toLowerCase(), address])
      const addressKey = JSON.stringify([address])
      const forAccount = current(accountKey, at)
      if (forAccount && forAccount.count >= SIGN_IN_LIMITS.perAccountAndAddress) return refused(forAccount, at)
      const forAddress = current(addressKey, at)
      if (forAddress && forAddress.count >= SIGN_IN_LIMITS.perAddress) return refused(forAddress, at)
      count(accountKey, at)
      count(addressKey, at)
      return { allowed: true }
    },
  }
}
