// A recording's lines as the replay may trust them. A recording is a file a
// user hands pgleak, cut short, edited, or written by another version: every
// line is checked field by field and rebuilt, so a value of the wrong type
// or out of range makes a skipped line (or a dropped row), never a crash
// deep inside a detector.
import { isBackendState, type Backend } from '../../core/backend.js'
import { isEpochMillis } from '../../core/epoch-millis.js'
import { POOL_EVENT_TYPES, POOL_LOG_SOURCES, type PoolEvent } from '../../core/pool-event.js'
import type { PoolerConnection, PoolerSnapshot } from '../../core/pooler.js'
import type { ServerSettings } from '../../core/snapshot.js'
import { BACKEND_COLUMNS, RECORDING_FORMAT, type RecordingEvent, type RecordingHeader } from './recording-format.js'

type Fields = Readonly<Record<string, unknown>>

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const isTime = isEpochMillis

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

const numberOr = <T>(value: unknown, fallback: T): number | T => (isNumber(value) ? value : fallback)
const timeOr = <T>(value: unknown, fallback: T): number | T => (isTime(value) ? value : fallback)
const textOr = <T>(value: unknown, fallback: T): string | T => (typeof value === 'string' ? value : fallback)
const textArray = (value: unknown): string[] | undefined => (Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined)

function numberTable(value: unknown): Record<string, number> | undefined {
  if (!isObject(value)) return undefined
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, number] => isNumber(entry[1])))
}

function headerOf(line: Fields): RecordingHeader | undefined {
  const groupBy = textArray(line.groupBy)
  const ignore = textArray(line.ignore)
  const thresholds = numberTable(line.thresholds)
  if (!groupBy || !ignore || !thresholds) return undefined
  return {
    type: RECORDING_FORMAT,
    version: numberOr(line.version, 1),
    pgleakVersion: textOr(line.pgleakVersion, ''),
    startedAt: textOr(line.startedAt, ''),
    target: textOr(line.target, ''),
    intervalMillis: numberOr(line.intervalMillis, 1000),
    groupBy: groupBy as RecordingHeader['groupBy'],
    ignore,
    // Only the figures a threshold can be: the replay fills in the rest.
    thresholds: thresholds as unknown as RecordingHeader['thresholds'],
    columns: textArray(line.columns) ?? [...BACKEND_COLUMNS],
    ...(typeof line.poolLog === 'string' ? { poolLog: line.poolLog } : {}),
  }
}

function settingsOf(value: unknown): ServerSettings | undefined {
  if (!isObject(value)) return undefined
  const figures = ['versionNum', 'maxConnections', 'superuserReservedConnections', 'reservedConnections', 'idleInTransactionSessionTimeoutMillis', 'tcpKeepalivesIdleSeconds'] as const
  const roles = numberTable(value.roleConnectionLimits)
  const databases = numberTable(value.databaseConnectionLimits)
  if (!figures.every((key) => isNumber(value[key])) || !roles || !databases) return undefined
  return {
    version: textOr(value.version, ''),
    versionNum: value.versionNum as number,
    maxConnections: value.maxConnections as number,
    superuserReservedConnections: value.superuserReservedConnections as number,
    reservedConnections: value.reservedConnections as number,
    idleInTransactionSessionTimeoutMillis: value.idleInTransactionSessionTimeoutMillis as number,
    idleSessionTimeoutMillis: numberOr(value.idleSessionTimeoutMillis, null),
    tcpKeepalivesIdleSeconds: value.tcpKeepalivesIdleSeconds as number,
    roleConnectionLimits: roles,
    databaseConnectionLimits: databases,
    currentUser: textOr(value.currentUser, ''),
    isSuperuser: value.isSuperuser === true,
    canReadAllStats: value.canReadAllStats === true,
  }
}

/** A backend from a row in BACKEND_COLUMNS order, or undefined when its pid is not a number. */
function backendOf(row: unknown): Backend | undefined {
  if (!Array.isArray(row)) return undefined
  const cells = row as readonly unknown[]
  const [pid, backendStart, xactStart, stateChange, queryStart, state, backendType, application, user, database, clientAddr, clientPort, waitEventType, waitEvent, xminAge, blockedBy, query, isVisible] = cells
  if (!isNumber(pid)) return undefined
  return {
    pid,
    backendStartMillis: timeOr(backendStart, null),
    xactStartMillis: timeOr(xactStart, null),
    stateChangeMillis: timeOr(stateChange, null),
    queryStartMillis: timeOr(queryStart, null),
    state: typeof state === 'string' && isBackendState(state) ? state : null,
    backendType: textOr(backendType, null),
    application: textOr(application, ''),
    user: textOr(user, null),
    database: textOr(database, null),
    clientAddr: textOr(clientAddr, null),
    clientPort: numberOr(clientPort, null),
    waitEventType: textOr(waitEventType, null),
    waitEvent: textOr(waitEvent, null),
    xminAge: numberOr(xminAge, null),
    blockedBy: Array.isArray(blockedBy) ? blockedBy.filter(isNumber) : [],
    query: textOr(query, null),
    isVisible: isVisible !== false,
  }
}

const OPTIONAL_NUMBERS = ['backendPid', 'process', 'poolSize', 'maxOverflow', 'timeoutSeconds', 'sessionSeconds', 'total', 'active', 'idle', 'waiting'] as const
const OPTIONAL_TEXTS = ['connection', 'thread', 'application', 'user', 'database', 'text'] as const

function poolEventOf(value: unknown): PoolEvent | undefined {
  if (!isObject(value)) return undefined
  const { type, source, atMillis, line, pool } = value
  if (!(POOL_EVENT_TYPES as readonly unknown[]).includes(type) || !(POOL_LOG_SOURCES as readonly unknown[]).includes(source)) return undefined
  if (!(atMillis === null || isTime(atMillis)) || !isNumber(line) || typeof pool !== 'string') return undefined
  const event: Record<string, unknown> = { type, source, atMillis, line, pool }
  for (const key of OPTIONAL_NUMBERS) if (isNumber(value[key])) event[key] = value[key]
  for (const key of OPTIONAL_TEXTS) if (typeof value[key] === 'string') event[key] = value[key]
  const stack = textArray(value.stack)
  if (stack) event.stack = stack
  return event as unknown as PoolEvent
}

function poolerConnectionOf(value: unknown): PoolerConnection | undefined {
  if (!isObject(value) || typeof value.id !== 'string') return undefined
  return {
    id: value.id,
    link: textOr(value.link, null),
    database: textOr(value.database, ''),
    user: textOr(value.user, ''),
    state: textOr(value.state, ''),
    addr: textOr(value.addr, null),
    port: numberOr(value.port, null),
    connectMillis: timeOr(value.connectMillis, null),
    requestMillis: timeOr(value.requestMillis, null),
    application: textOr(value.application, ''),
    remotePid: numberOr(value.remotePid, null),
  }
}

function listOf<T>(value: unknown, item: (value: unknown) => T | undefined): T[] | undefined {
  if (!Array.isArray(value)) return undefined
  return value.flatMap((entry) => {
    const parsed = item(entry)
    return parsed === undefined ? [] : [parsed]
  })
}

function poolerSnapshotOf(value: unknown): PoolerSnapshot | undefined {
  if (!isObject(value) || typeof value.pooler !== 'string' || !isTime(value.sampledAtMillis) || !isObject(value.config)) return undefined
  const config = value.config
  const clients = listOf(value.clients, poolerConnectionOf)
  const servers = listOf(value.servers, poolerConnectionOf)
  const pools = listOf(value.pools, (pool) =>
    isObject(pool) && typeof pool.database === 'string' && typeof pool.user === 'string'
      ? {
          database: pool.database,
          user: pool.user,
          clientsActive: numberOr(pool.clientsActive, 0),
          clientsWaiting: numberOr(pool.clientsWaiting, 0),
          serversActive: numberOr(pool.serversActive, 0),
          serversIdle: numberOr(pool.serversIdle, 0),
          serversUsed: numberOr(pool.serversUsed, 0),
          serversLogin: numberOr(pool.serversLogin, 0),
          maxWaitSeconds: numberOr(pool.maxWaitSeconds, 0),
          poolMode: textOr(pool.poolMode, ''),
        }
      : undefined,
  )
  const databases = listOf(value.databases, (database) =>
    isObject(database) && typeof database.name === 'string'
      ? {
          name: database.name,
          poolSize: numberOr(database.poolSize, 0),
          reservePool: numberOr(database.reservePool, 0),
          maxConnections: numberOr(database.maxConnections, 0),
          currentConnections: numberOr(database.currentConnections, 0),
          maxClientConnections: numberOr(database.maxClientConnections, 0),
          currentClientConnections: numberOr(database.currentClientConnections, 0),
        }
      : undefined,
  )
  if (!clients || !servers || !pools || !databases) return undefined
  return {
    pooler: value.pooler,
    sampledAtMillis: value.sampledAtMillis,
    version: textOr(value.version, ''),
    config: {
      maxClientConn: numberOr(config.maxClientConn, 100),
      defaultPoolSize: numberOr(config.defaultPoolSize, 20),
      reservePoolSize: numberOr(config.reservePoolSize, 0),
      poolMode: textOr(config.poolMode, 'session'),
      maxDbConnections: numberOr(config.maxDbConnections, 0),
      maxUserConnections: numberOr(config.maxUserConnections, 0),
    },
    pools,
    clients,
    servers,
    databases,
  }
}

/**
 * A recording's line as the replay takes it: polls with their sessions already rebuilt as backends
 * (the file holds rows), every other line as written.
 */
export type ReplayEvent =
  | Exclude<RecordingEvent, { readonly type: 'snapshot' } | { readonly type: 'delta' }>
  | { readonly type: 'snapshot'; readonly at: number; readonly sessions: number | null; readonly backends: readonly Backend[] }
  | { readonly type: 'delta'; readonly at: number; readonly sessions: number | null; readonly upserts: readonly Backend[]; readonly gone: readonly number[] }

/** The event a parsed line is, rebuilt from fields of the right types; undefined for a line to skip. */
export function recordingEventOf(value: unknown): ReplayEvent | undefined {
  if (!isObject(value)) return undefined
  switch (value.type) {
    case RECORDING_FORMAT:
      return headerOf(value)
    case 'settings': {
      const settings = settingsOf(value.settings)
      return settings ? { type: 'settings', settings } : undefined
    }
    case 'snapshot': {
      const backends = listOf(value.backends, backendOf)
      if (!isTime(value.at) || !backends) return undefined
      return { type: 'snapshot', at: value.at, sessions: numberOr(value.sessions, null), backends }
    }
    case 'delta': {
      const upserts = listOf(value.upserts, backendOf)
      const gone = Array.isArray(value.gone) ? value.gone.filter(isNumber) : undefined
      if (!isTime(value.at) || !upserts || !gone) return undefined
      return { type: 'delta', at: value.at, sessions: numberOr(value.sessions, null), upserts, gone }
    }
    case 'gap':
      return isTime(value.from) && isTime(value.to) ? { type: 'gap', from: value.from, to: value.to, reason: textOr(value.reason, '') } : undefined
    case 'pool-events': {
      const events = listOf(value.events, poolEventOf)
      return isTime(value.poolNow) && events ? { type: 'pool-events', poolNow: value.poolNow, events } : undefined
    }
    case 'pooler': {
      const snapshot = poolerSnapshotOf(value.snapshot)
      return snapshot ? { type: 'pooler', snapshot } : undefined
    }
    default:
      return undefined
  }
}
