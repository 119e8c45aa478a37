// The one query per poll. Timestamps come back as epoch milliseconds on the
// server's clock (date_part gives a float8; extract's numeric is slower), so
// every age is measured against the same clock as `sampled_at`. The LEFT JOIN
// from a one-row clock keeps a row (and so the time) even when no other
// backend exists. pg_blocking_pids() is costly, so it runs only for sessions
// waiting on a lock. pgleak's own backend is left out.
const SNAPSHOT_QUERY_TEXT = `
SELECT date_part('epoch', c.now) * 1000 AS sampled_at,
       c.sessions_established,
       a.pid,
       date_part('epoch', a.backend_start) * 1000 AS backend_start,
       date_part('epoch', a.xact_start) * 1000 AS xact_start,
       date_part('epoch', a.state_change) * 1000 AS state_change,
       date_part('epoch', a.query_start) * 1000 AS query_start,
       a.state,
       a.backend_type,
       a.application_name,
       a.usename,
       a.datname,
       host(a.client_addr) AS client_addr,
       a.client_port,
       a.wait_event_type,
       a.wait_event,
       age(a.backend_xmin) AS xmin_age,
       CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) END AS blocked_by,
       left(a.query, $1) AS query
FROM (SELECT now() AS now, SESSIONS AS sessions_established) c
LEFT JOIN pg_stat_activity a ON a.pid <> pg_backend_pid()
`

/** The snapshot query for a server version: pg_stat_database.sessions exists from PostgreSQL 14. */
export function snapshotQueryFor(versionNum: number): string {
  return SNAPSHOT_QUERY_TEXT.replace('SESSIONS', versionNum >= 140000 ? '(SELECT sum(sessions)::float8 FROM pg_stat_database)' : 'NULL::float8')
}

/** What pg_stat_activity shows in `query` for a row the polling role may not see. */
export const INSUFFICIENT_PRIVILEGE = '<insufficient privilege>'
