// The one query per poll. Timestamps come back as epoch milliseconds on the
// server's clock (date_part gives a float8; extract's numeric is slower), so
// every age is measured against the same clock as `sampled_at`. The LEFT JOIN
// from a one-row clock keeps a row (and so the time) even when no other
// backend exists or none changed. pg_blocking_pids() is costly, so it runs only for sessions
// waiting on a lock. pgleak's own backend is left out.
//
// Most of a big server's sessions stay as they were from one poll to the
// next. Given the time of the last poll ($2, epoch milliseconds), a session
// that has not started, changed state or run a query since then is sent as
// one line of the `stable` text (its pid, and what can change under a
// running or waiting statement: its wait event, xmin age and blockers), all
// such lines in one value, and the poller keeps what it read of it before. At
// 1,000 mostly quiet backends this spares node-postgres a thousand rows to
// decode every second. $2 NULL asks for every row whole. The stable text
// comes with a hash of it, and only when that hash is not $3, the hash of the
// last one: on a quiet server nothing of the quiet sessions crosses the wire,
// and the poller has nothing to decode or compare. (hashtextextended, not
// md5: md5() fails on servers in FIPS mode.)
const SNAPSHOT_QUERY_TEXT = `
WITH a AS MATERIALIZED (
  SELECT s.*,
         ($2::float8 IS NULL OR s.state IS NULL OR s.backend_type IS DISTINCT FROM 'client backend'
           OR s.backend_start >= since.t OR s.state_change >= since.t OR s.query_start >= since.t
           OR s.xact_start >= since.t) IS TRUE AS changed
  FROM pg_stat_activity s, (SELECT to_timestamp($2::float8 / 1000) AS t) since
  WHERE s.pid <> pg_backend_pid()
)
SELECT date_part('epoch', c.now) * 1000 AS sampled_at, c.sessions_established, r.*
FROM (SELECT now() AS now, SESSIONS AS sessions_established) c
LEFT JOIN (
  SELECT a.pid,
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
         left(a.query, $1) AS query,
         NULL::text AS stable,
         NULL::text AS stable_hash
  FROM a WHERE a.changed
  UNION ALL
  SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         CASE WHEN h.hash IS DISTINCT FROM $3::text THEN h.lines END, h.hash
  FROM (
    SELECT l.lines, HASH(l.lines)::text AS hash
    FROM (
      SELECT string_agg(concat_ws(' ', a.pid, coalesce(a.wait_event_type, '-'), coalesce(a.wait_event, '-'),
                                  coalesce(age(a.backend_xmin)::text, '-'),
                                  CASE WHEN a.wait_event_type = 'Lock' THEN nullif(array_to_string(pg_blocking_pids(a.pid), ','), '') ELSE '-' END), E'\n') AS lines
      FROM a WHERE NOT a.changed HAVING count(*) > 0
    ) l
  ) h
) r ON true
`

/** The columns of a snapshot row, in the query's order: rows are read as arrays, with no object per row. */
export const SNAPSHOT_COLUMNS = [
  'sampled_at',
  'sessions_established',
  'pid',
  'backend_start',
  'xact_start',
  'state_change',
  'query_start',
  'state',
  'backend_type',
  'application_name',
  'usename',
  'datname',
  'client_addr',
  'client_port',
  'wait_event_type',
  'wait_event',
  'xmin_age',
  'blocked_by',
  'query',
  'stable',
  'stable_hash',
] as const

/**
 * The snapshot query for a server version: pg_stat_database.sessions exists from PostgreSQL 14,
 * hashtextextended (64 bits) from 11; PostgreSQL 10 has the 32-bit hashtext.
 */
export function snapshotQueryFor(versionNum: number): string {
  return SNAPSHOT_QUERY_TEXT.replace('SESSIONS', versionNum >= 140000 ? '(SELECT sum(sessions)::float8 FROM pg_stat_database)' : 'NULL::float8').replace(
    'HASH(l.lines)',
    versionNum >= 110000 ? 'hashtextextended(l.lines, 0)' : 'hashtext(l.lines)',
  )
}

/** What pg_stat_activity shows in `query` for a row the polling role may not see. */
export const INSUFFICIENT_PRIVILEGE = '<insufficient privilege>'
