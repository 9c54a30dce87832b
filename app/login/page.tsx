import type { Metadata } from 'next'
import { Suspense } from 'react'
import { LoginForm } from '@/components/shell/login-form'

export const metadata: Metadata = { title: 'Sign in' }

export default function LoginPage() {
  return (
    <main className="flex min-h-screen items-center justify-center p-6">
      <div className="w-full max-w-sm rounded-lg border border-slate-200 bg-white p-8 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <h1 className="text-xl font-semibold">Linetrace</h1>
        <p className="mb-6 mt-1 text-sm text-slate-500 dark:text-slate-400">Shop floor to ERP, in sync.</p>
        <Suspense>
          <LoginForm />
        </Suspense>
      </div>
    </main>
  )
}
