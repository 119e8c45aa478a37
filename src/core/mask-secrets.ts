// Passwords never reach output, whatever carries them: a wrapped command's
// arguments (`psql postgresql://app:secret@db/shop`, `PGPASSWORD=secret`,
// `password=secret`), and SQL another session ran (`ALTER ROLE app
// PASSWORD 'secret'` shows in pg_stat_activity for as long as it runs).

const MASK = '***'
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)[^@/?#\s]*@/gi
const KEYWORD_PASSWORD = /(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s&;]+)/gi
const ENV_PASSWORD = /^([A-Z_]*PASSWORD[A-Z_]*=).+$/
const PASSWORD_FLAG = /^(--password=|-W=?|--pass=)(.+)$/

/** A command's arguments with every password in them masked: URL userinfo, `password=`, `*PASSWORD=` assignments, and any argument equal to a known secret. */
export function maskArgv(argv: readonly string[], secrets: readonly string[] = []): string[] {
  const known = secrets.filter((secret) => secret.length > 0)
  return argv.map((argument) => {
    let masked = argument.replace(URL_USERINFO, `$1${MASK}@`).replace(KEYWORD_PASSWORD, `$1${MASK}`).replace(ENV_PASSWORD, `$1${MASK}`).replace(PASSWORD_FLAG, `$1${MASK}`)
    for (const secret of known) masked = masked.split(secret).join(MASK)
    return masked
  })
}

/** `PASSWORD 'literal'` in SQL (CREATE/ALTER ROLE or USER, with ENCRYPTED or not), its literal masked. */
const SQL_PASSWORD = /(\bPASSWORD\s+)(E?'(?:[^']|'')*'?|\$([A-Za-z_]\w*)?\$[\s\S]*?\$\3\$)/gi

export function withoutPasswordLiterals(query: string): string {
  // Most queries never say PASSWORD: one cheap test spares them the replace.
  return /password/i.test(query) ? query.replace(SQL_PASSWORD, `$1'${MASK}'`) : query
}
