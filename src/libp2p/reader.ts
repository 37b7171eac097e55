/**
 * Exact-length reads from a libp2p stream's async iterator, with a signal on every wait. Incoming
 * chunks are kept as a list and copied once into the requested size, so reading many small
 * fields does not re-concatenate the buffer.
 * @module
 */
import { raceSignal } from '../util/abort.js'
import { StreamWireError } from './errors.js'

/** What a libp2p stream yields: a Uint8Array or a Uint8ArrayList (both have `subarray()`). */
export type StreamChunk = Uint8Array | { subarray(): Uint8Array }

/** Something bytes can be read from: see {@link ByteReader}. */
export interface ByteSource {
  /** Exactly `n` bytes; throws StreamWireError EOF if the stream ends first, or the signal's reason. */
  read(n: number, signal?: AbortSignal): Promise<Uint8Array>
}

/** Reads exact byte counts from an async iterable of chunks. */
export class ByteReader implements ByteSource {
  private readonly it: AsyncIterator<StreamChunk>
  /** BOUNDED: holds at most what one read asked for plus one transport chunk. */
  private chunks: Uint8Array[] = []
  private buffered = 0
  private ended = false
  /** Bytes handed out so far. */
  consumed = 0

  constructor(source: AsyncIterable<StreamChunk>) {
    this.it = source[Symbol.asyncIterator]()
  }

  async read(n: number, signal?: AbortSignal): Promise<Uint8Array> {
    while (this.buffered < n) {
      if (this.ended) throw new StreamWireError('EOF', `stream ended ${n - this.buffered} bytes short`)
      signal?.throwIfAborted()
      const r = await raceSignal(this.it.next(), signal)
      if (r.done) {
        this.ended = true
        continue
      }
      const bytes = r.value instanceof Uint8Array ? r.value : r.value.subarray()
      if (bytes.length === 0) continue
      this.chunks.push(bytes)
      this.buffered += bytes.length
    }
    return this.take(n)
  }

  /** True when the stream has ended and nothing is buffered (waits for the end or more data). */
  async atEnd(signal?: AbortSignal): Promise<boolean> {
    if (this.buffered > 0) return false
    if (this.ended) return true
    const r = await raceSignal(this.it.next(), signal)
    if (r.done) {
      this.ended = true
      return true
    }
    const bytes = r.value instanceof Uint8Array ? r.value : r.value.subarray()
    if (bytes.length > 0) {
      this.chunks.push(bytes)
      this.buffered += bytes.length
    }
    return bytes.length === 0 ? this.atEnd(signal) : false
  }

  private take(n: number): Uint8Array {
    this.consumed += n
    const first = this.chunks[0]
    if (first && first.length >= n) {
      const out = first.subarray(0, n)
      if (first.length === n) this.chunks.shift()
      else this.chunks[0] = first.subarray(n)
      this.buffered -= n
      return out
    }
    const out = new Uint8Array(n)
    let pos = 0
    while (pos < n) {
      const c = this.chunks[0] as Uint8Array
      const k = Math.min(c.length, n - pos)
      out.set(c.subarray(0, k), pos)
      pos += k
      if (k === c.length) this.chunks.shift()
      else this.chunks[0] = c.subarray(k)
    }
    this.buffered -= n
    return out
  }
}
