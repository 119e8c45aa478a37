/** Something the user should know about how complete a report is; not a finding about the database. */
export interface ReportWarning {
  readonly code: 'PARTIAL_VIEW' | 'SERVER_VERSION' | 'IGNORED_SESSIONS'
  readonly message: string
}
