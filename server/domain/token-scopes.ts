import { z } from 'zod'

/**
 * What an API token may do beyond its user's role. `ingest`: send telemetry to the OTLP receiver
 * (ingest/otlp/receiver.ts); the bootstrap token may too. Admins grant scopes when creating a token.
 */
export const API_TOKEN_SCOPES = ['ingest'] as const
export type ApiTokenScope = (typeof API_TOKEN_SCOPES)[number]
export const apiTokenScopeSchema = z.enum(API_TOKEN_SCOPES)
