/**
 * The console pages' Content-Security-Policy. Scripts run only with this response's nonce (Next.js
 * puts it on its own inline and chunk scripts when it finds the policy in the request headers;
 * the root layout puts it on the theme script); 'strict-dynamic' lets those scripts load the
 * chunks they import. Styles keep 'unsafe-inline': Recharts and the layout set inline `style`
 * attributes, which a nonce cannot cover, and a style cannot run code.
 */
export function pageContentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/** A fresh, unguessable nonce per response (128 random bits, base64). */
export function newNonce(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))))
}

/** Where the root layout finds the nonce of the current request (set by proxy.ts). */
export const NONCE_HEADER = 'x-nonce'
