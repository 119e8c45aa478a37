import type { Command } from 'commander'
import { parseDurationOption } from './option-parsers.js'

export interface ConnectionFlags {
  readonly dsn?: string
  readonly connectTimeout: number
}

/** --dsn and --connect-timeout, shared by every command that reaches a server. */
export function addConnectionOptions(command: Command): Command {
  return command
    .option('--dsn <url>', 'postgres:// URL or "host=... dbname=..." (default: DATABASE_URL, else PGHOST/PGUSER/... and ~/.pgpass)')
    .option('--connect-timeout <duration>', 'give up connecting after this long', parseDurationOption, 10)
}
