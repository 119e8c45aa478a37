// Which sessions belong to a check's run: by database (the DSN's by default),
// user, and application name pattern (`*` matches anything).
import type { Backend } from './backend.js'
import { globRegExp } from './escape-reg-exp.js'

export interface SessionScope {
  readonly database?: string
  readonly user?: string
  /** An application_name pattern; `*` matches any run of characters. */
  readonly app?: string
}

export function scopeMatcher(scope: SessionScope): (backend: Backend) => boolean {
  const app = scope.app === undefined ? undefined : globRegExp(scope.app)
  return (backend) =>
    (scope.database === undefined || backend.database === scope.database) &&
    (scope.user === undefined || backend.user === scope.user) &&
    (app === undefined || app.test(backend.application))
}

export function describeScope(scope: SessionScope): string {
  const parts = [
    scope.database !== undefined ? `database ${scope.database}` : undefined,
    scope.user !== undefined ? `user ${scope.user}` : undefined,
    scope.app !== undefined ? `application ${scope.app}` : undefined,
  ].filter((part) => part !== undefined)
  return parts.length > 0 ? parts.join(', ') : 'every session'
}
