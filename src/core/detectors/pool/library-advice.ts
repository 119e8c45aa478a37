// The fix, in the words of the library that wrote the log.
import type { PoolLogSource } from '../../pool-event.js'

export function unreturnedAdvice(library: PoolLogSource): string {
  switch (library) {
    case 'sqlalchemy':
      return 'Return every connection: use `with engine.connect()` or `with Session() as session:` blocks, and with scoped_session call Session.remove() at the end of every request or thread (Flask: in teardown_appcontext).'
    case 'psycopg_pool':
      return 'Return every connection: use `with pool.connection() as conn:`, or call pool.putconn(conn) in a finally block after pool.getconn(); error paths are where putconn() is usually skipped.'
    case 'node-postgres':
      return 'Release every client: `const client = await pool.connect(); try { ... } finally { client.release() }`, or use pool.query() for single statements; error paths are where release() is usually forgotten.'
    case 'hikaricp':
      return 'Close every Connection (try-with-resources), and keep leakDetectionThreshold set so HikariCP names the borrowing thread and stack.'
    default:
      return 'Return every connection to the pool on every path, error paths included (a finally block or a context manager).'
  }
}

/** For connections the garbage collector found checked out: a leak that only ended because the object went away. */
export function collectedAdvice(library: PoolLogSource): string {
  const why = 'The collector does not return a connection: it drops it, and until it ran the connection stayed checked out, its transaction open on the server.'
  switch (library) {
    case 'sqlalchemy':
      return `Close every connection and session explicitly: \`async with engine.connect() as conn:\`, \`async with AsyncSession(engine) as session:\`, or \`await conn.close()\` in a finally block. ${why}`
    default:
      return `Return every connection explicitly, on every path. ${why}`
  }
}

export function multiplePoolsAdvice(library: PoolLogSource): string {
  switch (library) {
    case 'sqlalchemy':
      return 'Create the engine once per process (module level, or a session-scoped test fixture) and call engine.dispose() in teardown; an engine per request or per test keeps every pool it made.'
    case 'psycopg_pool':
      return 'Create one ConnectionPool per process (at start-up) and share it; a pool made per request or per test must be closed (pool.close(), or `with ConnectionPool(...) as pool:`).'
    case 'node-postgres':
      return 'Create one pg.Pool per process and share it; a pool per request or per test must be ended with await pool.end().'
    default:
      return 'Create one pool per process and share it; close pools you create for a test or a job when it ends.'
  }
}
