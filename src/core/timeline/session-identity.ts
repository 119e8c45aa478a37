import type { Backend } from '../backend.js'

/**
 * pid + backend_start: a pid is reused once its process ends, so the pair is
 * what names one session across polls. Rows hidden by missing privileges have
 * no backend_start; their pid is the best there is.
 */
export function sessionIdentity(backend: Backend): string {
  return `${backend.pid}@${backend.backendStartMillis ?? 'hidden'}`
}
