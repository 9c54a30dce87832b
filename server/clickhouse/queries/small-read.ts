/**
 * Query-scoped settings (ChQuery.settings) of the dashboard's reads, which each read a few hundred
 * to a few thousand stored rows (hour sets, marks) and spend most of their time being analysed:
 * - no JIT: ClickHouse compiles an expression the 4th time it sees it (min_count_to_compile_*),
 *   which cost one dashboard read of the bench 0.4–0.6 s once per process (reconciliation.kpis
 *   alone ~0.4 s) and gains nothing at these row counts (bench/dashboards, same medians with and
 *   without);
 * - one thread: chDB runs one query at a time, and a second thread only adds pipeline set-up and
 *   scheduling to a read this small (measured 5–10 % less CPU per query, steadier times).
 * Not for reads that scan raw events (a live minute window's stats): those gain from both.
 */
export const NO_JIT = { compile_expressions: 0, compile_aggregate_expressions: 0, compile_sort_description: 0 } as const

export const SMALL_READ = { ...NO_JIT, max_threads: 1 } as const
