// Where PgBouncer's admin console is: `--pgbouncer URL`, the same forms as
// --dsn; the database is always the console's, `pgbouncer`.
import { ADMIN_DATABASE } from '../../core/pooler.js'
import { resolveConnectionTarget, type ConnectionTarget } from '../pg/connection-target.js'

export function poolerTargetsOf(urls: readonly string[] | undefined, env: NodeJS.ProcessEnv): ConnectionTarget[] {
  return (urls ?? []).map((url) => {
    const target = resolveConnectionTarget(url, env)
    return { ...target, config: { ...target.config, database: ADMIN_DATABASE }, database: ADMIN_DATABASE, description: target.description.replace(/\/[^/]*$/, `/${ADMIN_DATABASE}`) }
  })
}
