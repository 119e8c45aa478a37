// The names `--format` accepts, apart from the formats themselves: the CLI lists them in its help
// without loading every parser (a test keeps this list and LOG_FORMATS the same).
export const LOG_FORMAT_NAMES = ['pgleak', 'sqlalchemy', 'psycopg-pool', 'hikaricp', 'postgres', 'postgres-csv', 'postgres-json', 'application'] as const
