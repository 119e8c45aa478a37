// The settings and limits that bound connections, read once per session (they
// change only with a reload or restart). Settings a server version does not
// have come back NULL rather than failing, so one text serves 14 to 18.
export const SETTINGS_QUERY = `
SELECT current_setting('server_version') AS version,
       current_setting('server_version_num')::int AS version_num,
       current_setting('max_connections')::int AS max_connections,
       current_setting('superuser_reserved_connections')::int AS superuser_reserved_connections,
       coalesce(current_setting('reserved_connections', true), '0')::int AS reserved_connections,
       (SELECT setting::bigint FROM pg_settings WHERE name = 'idle_in_transaction_session_timeout') AS idle_in_transaction_session_timeout_ms,
       (SELECT setting::bigint FROM pg_settings WHERE name = 'idle_session_timeout') AS idle_session_timeout_ms,
       (SELECT setting::int FROM pg_settings WHERE name = 'tcp_keepalives_idle') AS tcp_keepalives_idle_s,
       (SELECT coalesce(json_object_agg(rolname, rolconnlimit), '{}') FROM pg_roles WHERE rolconnlimit >= 0 AND NOT rolsuper) AS role_limits,
       (SELECT coalesce(json_object_agg(datname, datconnlimit), '{}') FROM pg_database WHERE datconnlimit >= 0) AS database_limits,
       current_user AS current_user,
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS is_superuser,
       pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS can_read_all_stats
`
