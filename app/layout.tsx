import type { Metadata } from 'next'
import { headers } from 'next/headers'
import type { ReactNode } from 'react'
import { NONCE_HEADER } from '@/server/http/csp'
import './globals.css'

export const metadata: Metadata = {
  title: { default: 'Linetrace', template: '%s · Linetrace' },
  description: 'Operations observability for shop-floor-to-ERP integrations',
}

// Applied before paint so a dark-theme user never sees a white flash.
const themeScript = `try{var t=localStorage.getItem('lt-theme');if(t==='dark'||(!t&&matchMedia('(prefers-color-scheme: dark)').matches))document.documentElement.classList.add('dark')}catch(e){}`

export default async function RootLayout({ children }: { children: ReactNode }) {
  // The page's CSP nonce (proxy.ts): scripts without it do not run. Reading it renders every page per request.
  const nonce = (await headers()).get(NONCE_HEADER) ?? undefined
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: themeScript }} />
      </head>
      <body className="min-h-screen bg-slate-50 font-sans text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
        {children}
      </body>
    </html>
  )
}
