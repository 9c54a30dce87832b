import type { ClickHouse } from '../../clickhouse/client'
import type { Config } from '../../config'
import type { Ctx } from '../../context/ctx'
import type { PrismaClient } from '../../db/client'
import type { Principal } from '../../domain/permissions'
import { logger, type Logger } from '../../logger'
import { makePrincipal } from './principal'


const NO_CLICKHOUSE = new Proxy({} as ClickHouse, {
  get(_target, key) {
    throw new Error(`This test context has no ClickHouse (read ch.${String(key)}): pass one to makeCtx.`)
  },
})

/** Services read only these settings of `config`; a test that needs more passes its config. */
const SERVICE_DEFAULTS: Pick<Config, 'replay' | 'alertWebhookAllow'> = { replay: { redriveTopics: {}, defaultRate: 50 }, alertWebhookAllow: [] }

/** A context as an edge would build it (not for production code), tagged `test`. */
export function makeCtx(
  stores: { db: PrismaClient; ch?: ClickHouse; config?: Config | Pick<Config, 'replay' | 'alertWebhookAllow'>; logger?: Logger },
  principal: Principal = makePrincipal('admin'),
  opts: { scope?: readonly string[]; clientAddress?: string | null; tag?: string } = {},
): Ctx {
  const tag = opts.tag ?? 'test'
  return {
    db: stores.db,
    ch: stores.ch ?? NO_CLICKHOUSE,
    config: (stores.config ?? SERVICE_DEFAULTS) as Config,
    logger: stores.logger ?? logger,
    principal,
    scope: opts.scope ?? (principal.plants === 'all' ? [] : principal.plants),
    actor: { route: tag, user: principal.label },
    clientAddress: opts.clientAddress ?? null,
    tag,
  }
}
