// The words each library uses when its pool (or the server) has no
// connection to give, as they appear in application logs and tracebacks.
import { describe, expect, it } from 'vitest'
import { matchExhaustion } from '../../../src/sources/logs/exhaustion-texts.js'

describe('matchExhaustion', () => {
  it.each([
    ['pg-pool', 'Error: timeout exceeded when trying to connect', { type: 'pool-timeout', text: 'timeout exceeded when trying to connect' }],
    ['pg-pool', '[api] Error: Connection terminated due to connection timeout', { type: 'pool-timeout' }],
    ['knex', 'KnexTimeoutError: Knex: Timeout acquiring a connection. The pool is probably full. Are you missing a .transacting(trx) call?', { type: 'pool-timeout' }],
    [
      'prisma',
      'Timed out fetching a new connection from the connection pool. More info: http://pris.ly/d/connection-pool (Current connection pool timeout: 10, connection limit: 5)',
      { type: 'pool-timeout', poolSize: 5, timeoutSeconds: 10 },
    ],
    ['prisma', "  code: 'P2024',", { type: 'pool-timeout', text: 'P2024' }],
    ['sequelize', 'SequelizeConnectionAcquireTimeoutError: Operation timeout', { type: 'pool-timeout' }],
    ['sequelize', 'ConnectionAcquireTimeoutError: Pool acquire operation timeout', { type: 'pool-timeout' }],
    [
      'rails',
      'ActiveRecord::ConnectionTimeoutError (could not obtain a connection from the pool within 5.000 seconds (waited 5.002 seconds); all pooled connections were in use):',
      { type: 'pool-timeout', timeoutSeconds: 5, text: 'could not obtain a connection from the pool within 5.000 seconds (waited 5.002 seconds)' },
    ],
    ['rails', 'could not obtain a connection from the pool within 5.000 seconds', { type: 'pool-timeout', timeoutSeconds: 5 }],
    [
      'sqlalchemy',
      'sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00 (Background on this error at: https://sqlalche.me/e/20/3o7r)',
      { type: 'pool-timeout', poolSize: 5, maxOverflow: 10, timeoutSeconds: 30 },
    ],
    ['sqlalchemy', 'TimeoutError: QueuePool limit of size 2 overflow 0 reached, connection timed out, timeout 3', { poolSize: 2, maxOverflow: 0, timeoutSeconds: 3 }],
    ['psycopg_pool', "psycopg_pool.PoolTimeout: couldn't get a connection after 30.00 sec", { type: 'pool-timeout', timeoutSeconds: 30 }],
    ['psycopg2', 'psycopg2.pool.PoolError: connection pool exhausted', { type: 'pool-timeout' }],
    [
      'hikaricp',
      'java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30005ms (total=10, active=10, idle=0, waiting=4)',
      { type: 'pool-timeout', timeoutSeconds: 30.005 },
    ],
    ['hikaricp', 'HikariPool-1 - Connection is not available, request timed out after 1001ms.', { timeoutSeconds: 1.001 }],
    ['postgres', 'psycopg2.OperationalError: connection to server at "db" (10.0.0.5), port 5432 failed: FATAL:  sorry, too many clients already', { type: 'too-many-clients', text: 'sorry, too many clients already' }],
    ['postgres', 'org.postgresql.util.PSQLException: FATAL: remaining connection slots are reserved for non-replication superuser connections', { type: 'too-many-clients' }],
    ['postgres', 'error: remaining connection slots are reserved for roles with the SUPERUSER attribute', { type: 'too-many-clients' }],
    ['postgres', 'FATAL: remaining connection slots are reserved for roles with privileges of the "pg_use_reserved_connections" role (SQLSTATE 53300)', { type: 'too-many-clients' }],
    ['postgres', 'failed to connect to `user=app database=shop`: FATAL: too many connections for role "app" (SQLSTATE 53300)', { type: 'too-many-clients', text: 'too many connections for role "app"' }],
    ['postgres', 'too many connections for database "shop"', { type: 'too-many-clients' }],
  ] as const)('%s: %s', (library, line, expected) => {
    expect(matchExhaustion(line)).toMatchObject({ library, ...expected })
  })

  it.each([
    '2024-05-01 12:00:00.000 UTC [4242] LOG:  connection received: host=10.0.3.7 port=51514',
    '2024-05-01 12:00:00.000 UTC [4242] LOG:  disconnection: session time: 0:00:01.000 user=app database=shop host=10.0.3.7 port=51514',
    'INFO:sqlalchemy.pool.impl.QueuePool:Connection <connection object at 0x7f>; checked out from pool',
    'HikariPool-1 - Pool stats (total=10, active=2, idle=8, waiting=0)',
    'idleTimeout.....................600000',
    'connectionTimeout...............30000',
    'Knex: acquired connection from pool: __knexUid1',
    'statement_timeout is 30s; lock_timeout is 5s',
    'The request timed out',
    'Error: Connection terminated unexpectedly',
    'too many requests, try again',
    'P20245 is an order number, not an error code',
    '',
  ])('not: %s', (line) => {
    expect(matchExhaustion(line)).toBeUndefined()
  })

  it('keeps no reference to a long line in what it returns', () => {
    const line = `${'x'.repeat(100_000)} sorry, too many clients already`
    const match = matchExhaustion(line)
    expect(match?.text).toBe('sorry, too many clients already')
  })
})
