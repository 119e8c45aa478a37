// Every log format pgleak reads; a new one is a file in formats/ and a line here.
import { PgleakError } from '../../errors.js'
import { applicationLog } from './formats/application-log.js'
import { hikariLog } from './formats/hikari-log.js'
import { pgleakJsonl } from './formats/pgleak-jsonl.js'
import { postgresCsvLog, postgresJsonLog, postgresLog } from './formats/postgres-log.js'
import { psycopgPoolLog } from './formats/psycopg-pool-log.js'
import { sqlalchemyLog } from './formats/sqlalchemy-log.js'
import type { LogFormat } from './log-format.js'

export const LOG_FORMATS: readonly LogFormat[] = [pgleakJsonl, sqlalchemyLog, psycopgPoolLog, hikariLog, postgresLog, postgresCsvLog, postgresJsonLog, applicationLog]

/** The likeliest format for a file's first lines; any application log when none fits. */
export function detectLogFormat(firstLines: readonly string[]): LogFormat {
  let best = applicationLog
  let bestScore = 0.2
  for (const format of LOG_FORMATS) {
    const score = format.sniff(firstLines)
    if (score > bestScore) {
      best = format
      bestScore = score
    }
  }
  return best
}

export function logFormatNamed(name: string): LogFormat {
  const format = LOG_FORMATS.find((candidate) => candidate.name === name)
  if (!format) throw new PgleakError('USAGE', `unknown log format '${name}'`, { hint: `Use one of: ${LOG_FORMATS.map((f) => f.name).join(', ')}.` })
  return format
}
