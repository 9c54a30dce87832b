import type { Metadata } from 'next'
import Link from 'next/link'

export const metadata: Metadata = { title: 'Page not found' }

/** The 404 outside the console (the console's own, with its navigation, is app/(console)/not-found.tsx). */
export default function NotFound() {
  return (
    <main className="flex min-h-screen items-center justify-center p-6">
      <div className="max-w-md space-y-2 text-center" data-testid="not-found">
        <h1 className="text-xl font-semibold">Page not found</h1>
        <p className="text-sm text-slate-500">There is no page at this address.</p>
        <Link className="underline" href="/">
          Go to Linetrace
        </Link>
      </div>
    </main>
  )
}
