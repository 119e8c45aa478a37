// Expected failures are values with a code and a message written for the
// user; the CLI prints them as one line and maps the code to an exit code.
// Anything else is a bug and keeps its stack.

export const USAGE_ERROR_CODES = ['USAGE', 'FILE_UNREADABLE'] as const
export const CONNECTION_ERROR_CODES = [
  'BAD_DSN',
  'CONNECTION_REFUSED',
  'HOST_NOT_FOUND',
  'CONNECT_TIMEOUT',
  'AUTHENTICATION_FAILED',
  'DATABASE_MISSING',
  'TOO_MANY_CLIENTS',
  'SERVER_NOT_READY',
  'SSL_FAILED',
  'CONNECTION_LOST',
  'QUERY_FAILED',
  'SERVER_UNSUPPORTED',
] as const

export type PgleakErrorCode = (typeof USAGE_ERROR_CODES)[number] | (typeof CONNECTION_ERROR_CODES)[number]

export class PgleakError extends Error {
  override readonly name = 'PgleakError'
  readonly code: PgleakErrorCode
  /** What to do about it, printed after the message. */
  readonly hint: string | undefined
  /** The underlying error's text for --debug, already scrubbed of secrets by whoever made this error. */
  readonly detail: string | undefined

  constructor(code: PgleakErrorCode, message: string, options: { cause?: unknown; hint?: string; detail?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.hint = options.hint
    this.detail = options.detail
  }
}

export function isPgleakError(error: unknown): error is PgleakError {
  return error instanceof PgleakError
}

/** The contract's exit codes: 2 for usage errors, 3 when the database cannot be reached or used. */
export function exitCodeFor(error: PgleakError): 2 | 3 {
  return (USAGE_ERROR_CODES as readonly string[]).includes(error.code) ? 2 : 3
}
