'use client'

import { useQuery } from '@tanstack/react-query'
import { useTRPC } from '../trpc/client'

/**
 * Each plant's IANA time zone, for showing times plant-local (UI.md): 'UTC' until the plant list
 * has loaded and for plants not registered (yet).
 */
export function usePlantTimeZone(): (plant: string | null | undefined) => string {
  const trpc = useTRPC()
  const plants = useQuery(trpc.plants.list.queryOptions())
  const zones = new Map((plants.data ?? []).map((p) => [p.code, p.timeZone]))
  return (plant) => (plant && zones.get(plant)) || 'UTC'
}
