// The SQL a finding suggests for freeing slots now: it targets the sessions
// that actually hold them (their group and their states), never a fixed
// guess such as "idle in transaction" when every holder is plain idle.
import type { Subject } from './finding.js'

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`
}

/** `SELECT pg_terminate_backend(pid) ...` for the subject's sessions in `states`, idle longer than `idleFor`. */
export function terminateSql(subject: Subject, states: readonly string[], idleFor = '1 minute'): string {
  const conditions: string[] = []
  if (subject.application !== null) conditions.push(`application_name = ${literal(subject.application)}`)
  if (subject.user !== null) conditions.push(`usename = ${literal(subject.user)}`)
  if (subject.database !== null) conditions.push(`datname = ${literal(subject.database)}`)
  if (subject.client !== null && subject.client !== 'local') conditions.push(`client_addr = ${literal(subject.client)}`)
  conditions.push(states.length === 1 ? `state = ${literal(states[0]!)}` : `state IN (${states.map(literal).join(', ')})`)
  conditions.push(`state_change < now() - interval ${literal(idleFor)}`)
  return `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE ${conditions.join(' AND ')};`
}
