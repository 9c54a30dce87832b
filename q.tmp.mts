import { PGlite } from '@electric-sql/pglite'
const db = new PGlite('/tmp/tmp.eefPWuuph9/postgres')
const q = async (s: string) => console.log(JSON.stringify((await db.query(s)).rows, null, 0))
await q(`select status, count(*) from dead_letters group by 1`)
await q(`select d.id, d.status, d.correlation_id, d.flow, d.error_code, d.previous_id, d.convention from dead_letters d join replay_items i on i.dead_letter_id=d.id where d.status<>'resolved'`)
await q(`select id, status, correlation_id, flow, error_code, error_message, previous_id, record_timestamp from dead_letters where previous_id is not null limit 10`)
await q(`select action, target_id, reason from audit_log where action like 'dead_letter.%' and action <> 'dead_letter.resolve' limit 10`)
