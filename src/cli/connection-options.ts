import type { Command } from 'commander'
import { collectRepeated, parseDurationOption } from './option-parsers.js'

export interface ConnectionFlags {
  readonly dsn?: string
  readonly connectTimeout: number
  /** PgBouncer admin consoles to look through (repeatable). */
  readonly pgbouncer: readonly string[]
}


/** --dsn and --connect-timeout, shared by every command that reaches a server. */
export function addConnectionOptions(command: Command): Command {
  return command
    .option('--dsn <url>', 'postgres:// URL or "host=... dbname=..." (default: DATABASE_URL, else PGHOST/PGUSER/... and ~/.pgpass)')
    .option('--connect-timeout <duration>', 'give up connecting after this long', parseDurationOption, 10)
    .option('--pgbouncer <url>', "also look through this PgBouncer: its admin console (database pgbouncer, a user in admin_users or stats_users); repeatable", collectRepeated, [] as string[])
}
