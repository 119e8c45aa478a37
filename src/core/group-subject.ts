import type { Subject } from './finding.js'
import type { GroupKey } from './grouping.js'

export function groupSubject(key: GroupKey): Subject {
  return {
    application: key.app ?? null,
    user: key.user ?? null,
    database: key.db ?? null,
    client: key.client ?? null,
    pool: null,
  }
}

/** How a finding names a group: `api`, or `api (user app, db shop)` when grouped by more. */
export function groupLabel(key: GroupKey): string {
  const app = key.app === undefined ? undefined : key.app === '' ? '(no application_name)' : (key.app ?? '(not visible)')
  const rest = [
    key.user !== undefined ? `user ${key.user ?? '?'}` : undefined,
    key.db !== undefined ? `db ${key.db ?? '?'}` : undefined,
    key.client !== undefined ? `client ${key.client ?? '?'}` : undefined,
  ].filter((part) => part !== undefined)
  if (app === undefined) return rest.join(', ')
  return rest.length > 0 ? `${app} (${rest.join(', ')})` : app
}
