import type { Backend } from './backend.js'
import type { Subject } from './finding.js'

/** How a finding names a session's owner: its application, else its pid. */
export function applicationLabel(backend: Backend): string {
  return backend.application !== '' ? backend.application : `pid ${backend.pid}`
}

export function subjectOf(backend: Backend): Subject {
  return {
    application: backend.application !== '' ? backend.application : null,
    user: backend.user,
    database: backend.database,
    client: backend.clientAddr ?? (backend.isVisible ? 'local' : null),
    pool: null,
  }
}

export function secondsBetween(fromMillis: number | null, toMillis: number): number | null {
  return fromMillis === null ? null : Math.max(0, (toMillis - fromMillis) / 1000)
}

/** `secondsBetween`, rounded to whole seconds, as evidence gives it. */
export function wholeSecondsBetween(fromMillis: number | null, toMillis: number): number | null {
  const seconds = secondsBetween(fromMillis, toMillis)
  return seconds === null ? null : Math.round(seconds)
}
