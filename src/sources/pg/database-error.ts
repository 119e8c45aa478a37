// Turns what node-postgres and the socket layer throw into PgleakErrors with
// a message a user can act on. Every message is scrubbed of secrets.
import { pgpassIgnoredBecause } from './pgpass.js'
import { PgleakError } from '../../errors.js'
import { scrubSecrets, type ConnectionTarget } from './connection-target.js'

interface DriverError {
  readonly code?: string
  readonly message?: string
}

function asDriverError(error: unknown): DriverError {
  return typeof error === 'object' && error !== null ? (error as DriverError) : { message: String(error) }
}

/** "sorry, too many clients already": every slot is taken, the reserved ones too, so no other DSN would get in. */
const NO_SLOT_AT_ALL_HINT =
  'Every slot is taken, the superuser-reserved ones too (or superuser_reserved_connections is 0), so no DSN gets in now, a superuser\'s neither. ' +
  'Stop or restart the application holding the connections (one that opens them and never closes is what pgleak finds), or, from a session you already have, ' +
  "end its idle ones: SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '<app>' AND state = 'idle'; then run pgleak audit. " +
  'Keep superuser_reserved_connections above 0 so an admin can always get in.'

const TOO_MANY_CLIENTS_HINT =
  'The server is full: every connection slot ordinary roles may use is taken, which is what pgleak is for. ' +
  'A superuser can still get in on the superuser_reserved_connections slots (run pgleak with a superuser DSN, e.g. --dsn postgres://postgres@host/db); ' +
  'from PostgreSQL 16 a role granted pg_use_reserved_connections can use the reserved_connections slots (GRANT pg_use_reserved_connections TO <role>; with reserved_connections > 0). ' +
  'With a superuser DSN, pgleak audit names the application holding the slots and gives the SQL that frees its idle sessions. ' +
  "To see them yourself: SELECT application_name, state, count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY 1, 2 ORDER BY 3 DESC;"

/** For failures while opening pgleak's session. */
export function connectError(error: unknown, target: ConnectionTarget, env: NodeJS.ProcessEnv = process.env): PgleakError {
  const { code, message = '' } = asDriverError(error)
  const where = target.description
  const scrubbed = scrubSecrets(message, target.secrets)
  const detail = `${code ?? 'no code'}: ${scrubbed}`
  switch (code) {
    case 'ECONNREFUSED':
      return new PgleakError('CONNECTION_REFUSED', `cannot connect to ${where}: connection refused`, {
        cause: error,
        detail,
        hint: 'Is PostgreSQL running and listening there? Check the host and port in --dsn, DATABASE_URL or PGHOST/PGPORT.',
      })
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new PgleakError('HOST_NOT_FOUND', `cannot connect to ${where}: the host name does not resolve`, {
        cause: error,
        detail,
        hint: 'Check the host name in --dsn, DATABASE_URL or PGHOST.',
      })
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new PgleakError('CONNECT_TIMEOUT', `cannot connect to ${where}: the host does not answer (${code})`, {
        cause: error,
        detail,
        hint: 'Check the host, the port and any firewall between here and the server.',
      })
    case '28P01':
    case '28000':
      return new PgleakError('AUTHENTICATION_FAILED', `cannot connect to ${where}: ${scrubbed}`, {
        cause: error,
        detail,
        hint: `Check the user and password in --dsn, DATABASE_URL, PGPASSWORD or ~/.pgpass, and that pg_hba.conf lets this user in from here.${pgpassIgnoredBecause(env)}`,
      })
    case '3D000':
      return new PgleakError('DATABASE_MISSING', `cannot connect to ${where}: ${scrubbed}`, {
        cause: error,
        detail,
        hint: 'Name an existing database in the DSN (or PGDATABASE); psql -l lists them.',
      })
    case '53300':
      return new PgleakError('TOO_MANY_CLIENTS', `cannot connect to ${where}: ${scrubbed}`, { cause: error, detail, hint: /too many clients already/i.test(message) ? NO_SLOT_AT_ALL_HINT : TOO_MANY_CLIENTS_HINT })
    case '57P03':
      return new PgleakError('SERVER_NOT_READY', `cannot connect to ${where}: ${scrubbed}`, {
        cause: error,
        detail,
        hint: 'The server is starting up, shutting down or in recovery; try again in a moment.',
      })
  }
  if (/password must be a string|no password supplied/i.test(message)) {
    return new PgleakError('AUTHENTICATION_FAILED', `cannot connect to ${where}: the server asks for a password and none was given`, {
      cause: error,
      detail,
      hint: `Put it in the DSN, PGPASSWORD or ~/.pgpass.${pgpassIgnoredBecause(env)}`,
    })
  }
  if (/does not support SSL/i.test(message)) {
    return new PgleakError('SSL_FAILED', `cannot connect to ${where}: the server does not accept SSL connections`, {
      cause: error,
      detail,
      hint: 'Use sslmode=prefer or sslmode=disable in the DSN (or PGSSLMODE).',
    })
  }
  if (/timeout/i.test(message)) {
    return new PgleakError('CONNECT_TIMEOUT', `cannot connect to ${where}: no answer within the connect timeout`, {
      cause: error,
      detail,
      hint: 'Check the host, the port and any firewall; raise --connect-timeout on a slow network.',
    })
  }
  if (/certificate|self[- ]signed|SSL|TLS/i.test(message)) {
    return new PgleakError('SSL_FAILED', `cannot connect to ${where}: ${scrubbed}`, {
      cause: error,
      detail,
      hint: 'The server certificate was not accepted: use sslmode=require to encrypt without verifying, or give the CA with sslrootcert.',
    })
  }
  return new PgleakError('CONNECTION_LOST', `cannot connect to ${where}: ${scrubbed || code || 'unknown error'}`, { cause: error, detail })
}

/** For failures of pgleak's own queries on an open session. */
export function queryError(error: unknown, target: ConnectionTarget): PgleakError {
  const { code, message = '' } = asDriverError(error)
  const scrubbed = scrubSecrets(message, target.secrets)
  const detail = `${code ?? 'no code'}: ${scrubbed}`
  if (code === '57014') {
    return new PgleakError('QUERY_FAILED', `pgleak's query on ${target.description} was cancelled: ${scrubbed}`, {
      cause: error,
      detail,
      hint: "The server took longer than pgleak's statement timeout (10 s) to answer a read of pg_stat_activity: it is overloaded. pgleak tries again at the next poll.",
    })
  }
  if (code === '57P01' || code === '57P02' || code === '57P03' || /terminat|ECONNRESET|Connection terminated|not queryable|closed/i.test(`${code} ${message}`)) {
    return new PgleakError('CONNECTION_LOST', `lost the connection to ${target.description}: ${scrubbed || code}`, {
      cause: error,
      detail,
      hint: 'The server restarted, or someone ended pgleak\'s session (pg_terminate_backend), or the network dropped.',
    })
  }
  return new PgleakError('QUERY_FAILED', `pgleak's query on ${target.description} failed: ${scrubbed || code}`, { cause: error, detail })
}
