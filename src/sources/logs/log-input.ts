// A log's bytes in chunks: a file, gzip or not (told by its magic bytes,
// whatever it is called), or `-` for stdin. A plain file is read ahead: the
// next chunk is read into a second buffer by the thread pool while this one
// is split and parsed, so on a big log reading costs next to nothing. A chunk
// is valid only until the next one is asked for: whoever keeps bytes copies
// them (the line splitter keeps only an unfinished line, copied). Each chunk
// is a Buffer object of its own, though its memory is reused, so what a
// parser remembers about "this buffer" by identity is never mistaken.
import type { FileHandle } from 'node:fs/promises'
import { open } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { PgleakError } from '../../errors.js'

const CHUNK_BYTES = 1024 * 1024
const GZIP_MAGIC = [0x1f, 0x8b] as const

export interface LogInput {
  readonly chunks: AsyncIterable<Buffer>
  /** The file's size; undefined for stdin. */
  readonly totalBytes: number | undefined
  /** Bytes taken from the file or stdin so far (compressed bytes for gzip): what a progress line compares with `totalBytes`. */
  bytesRead(): number
}

function isGzip(bytes: Buffer): boolean {
  return bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]
}

function unreadable(path: string, error: unknown): PgleakError {
  const code = (error as NodeJS.ErrnoException).code
  const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'not a file' : (error as Error).message
  const hint =
    code === 'ENOENT' || code === 'EISDIR'
      ? 'Give a pool or server log (gzip or not, or - for stdin) or a recording made with pgleak watch --record; for a folder of logs, name its files (logs/*.log).'
      : 'Check that the file is readable by this user.'
  return new PgleakError('FILE_UNREADABLE', `cannot read ${path}: ${why}`, { cause: error, hint })
}

export async function openLogInput(path: string, stdin: Readable): Promise<LogInput> {
  if (path === '-') return stdinInput(stdin)
  let handle: FileHandle | undefined
  try {
    handle = await open(path, 'r')
    const info = await handle.stat()
    if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' })
    const first = Buffer.allocUnsafe(CHUNK_BYTES)
    const { bytesRead } = await handle.read(first, 0, first.length, null)
    let read = bytesRead
    const count = (bytes: number): void => {
      read += bytes
    }
    const chunks = isGzip(first.subarray(0, bytesRead)) ? gunzipped(freshChunks(handle, first.subarray(0, bytesRead), count)) : readAhead(handle, first, bytesRead, count)
    return { chunks, totalBytes: info.size, bytesRead: () => read }
  } catch (error) {
    await handle?.close().catch(() => undefined)
    throw unreadable(path, error)
  }
}

/**
 * A plain file's chunks, each read into one of two buffers while the other is in use. The handle is
 * closed when the reading ends, however it ends.
 */
async function* readAhead(handle: FileHandle, first: Buffer, firstLength: number, count: (bytes: number) => void): AsyncGenerator<Buffer> {
  let current = first
  let spare: Buffer = Buffer.allocUnsafe(CHUNK_BYTES)
  let length = firstLength
  let next: Promise<{ bytesRead: number }> | undefined
  try {
    while (length > 0) {
      next = handle.read(spare, 0, spare.length, null)
      // Handled here so a failed read is not reported as unhandled before it is awaited below.
      next.catch(() => undefined)
      yield current.subarray(0, length)
      const { bytesRead } = await next
      next = undefined
      count(bytesRead)
      ;[current, spare] = [spare, current]
      length = bytesRead
    }
  } finally {
    // A read still running writes into a buffer and needs the handle: let it finish first.
    await next?.catch(() => undefined)
    await handle.close()
  }
}

/** A file's chunks in buffers of their own, for a consumer that holds on to them (gunzip does). */
async function* freshChunks(handle: FileHandle, first: Buffer, count: (bytes: number) => void): AsyncGenerator<Buffer> {
  try {
    yield Buffer.from(first)
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES)
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null)
      if (bytesRead === 0) return
      count(bytesRead)
      yield chunk.subarray(0, bytesRead)
    }
  } finally {
    await handle.close()
  }
}

function stdinInput(stdin: Readable): LogInput {
  let read = 0
  async function* chunks(): AsyncGenerator<Buffer> {
    const iterator: AsyncIterator<Buffer> = stdin[Symbol.asyncIterator]()
    const first = await iterator.next()
    if (first.done) return
    async function* all(): AsyncGenerator<Buffer> {
      for (let result = first; !result.done; result = await iterator.next()) {
        read += result.value.length
        yield result.value
      }
    }
    yield* isGzip(first.value) ? gunzipped(all()) : all()
  }
  return { chunks: chunks(), totalBytes: undefined, bytesRead: () => read }
}

/** The decompressed bytes of a gzip stream given in chunks. */
async function* gunzipped(compressed: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const gunzip = createGunzip()
  const feed = (async () => {
    for await (const chunk of compressed) if (!gunzip.write(chunk)) await new Promise((resolve) => gunzip.once('drain', resolve))
    gunzip.end()
  })()
  feed.catch((error: unknown) => gunzip.destroy(error as Error))
  yield* gunzip
}
