import { fetchRequestHandler } from '@trpc/server/adapters/fetch'
import { appRouter } from '@/server/routers/app'
import { createContext } from '@/server/trpc'

export const dynamic = 'force-dynamic'

function handler(req: Request) {
  return fetchRequestHandler({ endpoint: '/api/trpc', req, router: appRouter, createContext })
}

export { handler as GET, handler as POST }
