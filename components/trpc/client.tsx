'use client'

import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { createTRPCClient, httpBatchLink, httpLink, splitLink } from '@trpc/client'
import { createTRPCContext } from '@trpc/tanstack-react-query'
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server'
import { useState, type ReactNode } from 'react'
import superjson from 'superjson'
import { MAX_BATCH_SIZE } from '@/server/domain/api-limits'
import type { AppRouter } from '@/server/routers/app'

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>()

/** What each procedure returns, as the client receives it: components type their rows from this, never by hand. */
export type RouterOutputs = inferRouterOutputs<AppRouter>
/** What each procedure takes: forms type what they send from this. */
export type RouterInputs = inferRouterInputs<AppRouter>

function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        // Keep showing the previous data while a new range or filter loads: never blank the screen.
        placeholderData: (previous: unknown) => previous,
        retry: (count, error) => count < 2 && !/UNAUTHORIZED|FORBIDDEN|NOT_FOUND|BAD_REQUEST/.test(String((error as { data?: { code?: string } }).data?.code)),
      },
    },
  })
}

/**
 * `slowPaths`: the procedures whose meta says `slow` (server/routers/slow-paths.ts, passed down by the
 * console's server layout). ClickHouse-backed queries can take a while; batching them with fast
 * Postgres queries would make every query in the batch wait for the slowest. They go unbatched.
 */
export function TrpcProvider({ slowPaths, children }: { slowPaths: readonly string[]; children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient)
  const [trpcClient] = useState(() => {
    const slow = new Set(slowPaths)
    return createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => slow.has(op.path),
          true: httpLink({ url: '/api/trpc', transformer: superjson }),
          false: httpBatchLink({ url: '/api/trpc', transformer: superjson, maxItems: MAX_BATCH_SIZE }),
        }),
      ],
    })
  })
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  )
}
