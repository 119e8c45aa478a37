// Grouping backends by who opened them: application, user, database, client
// address, or any combination (`--group-by app,user`).
import type { Backend } from './backend.js'

export const GROUP_DIMENSIONS = ['app', 'user', 'db', 'client'] as const
export type GroupDimension = (typeof GROUP_DIMENSIONS)[number]

export function isGroupDimension(value: string): value is GroupDimension {
  return (GROUP_DIMENSIONS as readonly string[]).includes(value)
}

/** The value a backend has for one dimension; null when unknown (hidden row, no address). */
export function dimensionValue(backend: Backend, dimension: GroupDimension): string | null {
  switch (dimension) {
    case 'app':
      return backend.application
    case 'user':
      return backend.user
    case 'db':
      return backend.database
    case 'client':
      // A client backend with no address came over the Unix socket.
      return backend.clientAddr ?? (backend.isVisible ? 'local' : null)
  }
}

export type GroupKey = Readonly<Partial<Record<GroupDimension, string | null>>>

export function groupKeyOf(backend: Backend, dimensions: readonly GroupDimension[]): GroupKey {
  const key: Partial<Record<GroupDimension, string | null>> = {}
  for (const dimension of dimensions) key[dimension] = dimensionValue(backend, dimension)
  return key
}

/**
 * A stable string for a key, for maps: the values joined by NUL, which no name holds (PostgreSQL's
 * text cannot), SOH standing for an unknown one. Built for every backend of every poll, so no
 * JSON.stringify and no array.
 */
export function groupKeyId(key: GroupKey, dimensions: readonly GroupDimension[]): string {
  let id = ''
  for (let i = 0; i < dimensions.length; i++) {
    const value = key[dimensions[i]!]
    id += (i === 0 ? '' : '\0') + (value ?? '\u0001')
  }
  return id
}
