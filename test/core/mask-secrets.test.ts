import { describe, expect, it } from 'vitest'
import { maskArgv, withoutPasswordLiterals } from '../../src/core/mask-secrets.js'

describe('passwords kept out of output', () => {
  it('masks them in a command line wherever they sit', () => {
    expect(
      maskArgv(
        ['psql', 'postgresql://app:s3cr%40t@db:5432/shop', 'host=db password=hunter2 dbname=shop', "password='two words'", 'PGPASSWORD=hunter2', '--password=hunter2', 'pytest', '-k', 'orders'],
        [],
      ),
    ).toEqual(['psql', 'postgresql://app:***@db:5432/shop', 'host=db password=*** dbname=shop', 'password=***', 'PGPASSWORD=***', '--password=***', 'pytest', '-k', 'orders'])
  })

  it('masks any argument carrying a password pgleak knows, however it is written', () => {
    expect(maskArgv(['./deploy.sh', '--db-pass', 'correct-horse', 'x=correct-horse-battery'], ['correct-horse'])).toEqual(['./deploy.sh', '--db-pass', '***', 'x=***-battery'])
    // A URL without a password and ordinary arguments are left as they are.
    expect(maskArgv(['curl', 'https://user@example.com/x', 'npm', 'test'])).toEqual(['curl', 'https://user@example.com/x', 'npm', 'test'])
  })

  it("masks PASSWORD literals in SQL another session ran, whatever the quoting", () => {
    expect(withoutPasswordLiterals("ALTER ROLE app PASSWORD 'hunter2'")).toBe("ALTER ROLE app PASSWORD '***'")
    expect(withoutPasswordLiterals("create user app with encrypted password 'it''s-secret' valid until 'infinity'")).toBe("create user app with encrypted password '***' valid until 'infinity'")
    expect(withoutPasswordLiterals('ALTER USER app PASSWORD $pw$hunter2$pw$')).toBe("ALTER USER app PASSWORD '***'")
    expect(withoutPasswordLiterals("SELECT * FROM users WHERE name = 'x'")).toBe("SELECT * FROM users WHERE name = 'x'")
  })
})
