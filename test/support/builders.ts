// Small builders for hand-made snapshots: a backend is an idle client of app
// "api" unless a test says otherwise.
import type { Backend } from '../../src/core/backend.js'
import type { ServerSettings, Snapshot } from '../../src/core/snapshot.js'

export const NOW = Date.parse('2026-11-21T10:00:00.000Z')

let nextPid = 1000

export function backend(overrides: Partial<Backend> & { ageSeconds?: number; idleSeconds?: number } = {}): Backend {
  const { ageSeconds = 600, idleSeconds = 5, ...rest } = overrides
  return {
    pid: nextPid++,
    backendStartMillis: NOW - ageSeconds * 1000,
    xactStartMillis: null,
    stateChangeMillis: NOW - idleSeconds * 1000,
    queryStartMillis: NOW - idleSeconds * 1000,
    state: 'idle',
    backendType: 'client backend',
    application: 'api',
    user: 'app',
    database: 'shop',
    clientAddr: '10.0.0.7',
    clientPort: 50000,
    waitEventType: 'Client',
    waitEvent: 'ClientRead',
    xminAge: null,
    blockedBy: [],
    query: 'SELECT 1',
    isVisible: true,
    ...rest,
  }
}

/** A session idle inside a transaction for `idleSeconds`. */
export function idleInTransaction(overrides: Partial<Backend> & { idleSeconds: number; ageSeconds?: number }): Backend {
  return backend({
    state: 'idle in transaction',
    xactStartMillis: NOW - (overrides.idleSeconds + 1) * 1000,
    query: 'UPDATE accounts SET balance = balance - 10 WHERE id = 42',
    ...overrides,
  })
}

/** A row of another role, as a role without pg_read_all_stats sees it. */
export function hiddenBackend(overrides: Partial<Backend> = {}): Backend {
  return backend({
    backendStartMillis: null,
    stateChangeMillis: null,
    queryStartMillis: null,
    state: null,
    backendType: null,
    clientAddr: null,
    clientPort: null,
    waitEventType: null,
    waitEvent: null,
    query: null,
    isVisible: false,
    ...overrides,
  })
}

export function backgroundProcess(type: string): Backend {
  return backend({ backendType: type, application: '', user: null, database: null, clientAddr: null, state: null, query: null })
}

export function settings(overrides: Partial<ServerSettings> = {}): ServerSettings {
  return {
    version: '18.4',
    versionNum: 180004,
    maxConnections: 100,
    superuserReservedConnections: 3,
    reservedConnections: 0,
    idleInTransactionSessionTimeoutMillis: 0,
    idleSessionTimeoutMillis: 0,
    tcpKeepalivesIdleSeconds: 0,
    roleConnectionLimits: {},
    databaseConnectionLimits: {},
    currentUser: 'monitor',
    isSuperuser: false,
    canReadAllStats: true,
    ...overrides,
  }
}

export function snapshot(backends: readonly Backend[], sampledAtMillis = NOW): Snapshot {
  return { sampledAtMillis, backends }
}
