/**
 * RLPx frames: `header-ciphertext(16) || header-mac(16) || frame-ciphertext || frame-mac(16)`,
 * AES-256-CTR (one keystream per direction, IV zero) and keccak running MACs.
 *
 * Spec: devp2p rlpx.md#framing. Vectors: rlpx-frame.json (fake MAC), rlpx-handshake-legacy.json
 * (first Hello frames). No I/O: bytes in, frames out.
 * @module
 */
import { type Cipher, createCipheriv, createDecipheriv, type Decipher } from 'node:crypto'
import { err, ok, type Result } from '../../util/result.js'
import { MAC_SIZE, type MacHash, RunningMac } from './mac.js'

/**
 * Largest frame-size the 24-bit header field can carry (16 MiB - 1): also our default cap on a
 * frame and on a decompressed message. go-ethereum p2p/rlpx/rlpx.go `maxUint24`.
 */
export const MAX_FRAME_SIZE = 0xffffff

/** Header: frame-size(3) || header-data || zero padding to 16 bytes. rlpx.md#framing. */
export const HEADER_SIZE = 16
/** `header-data = [capability-id = 0, context-id = 0]` as we send it (RLP c2 80 80). */
const HEADER_DATA = Uint8Array.of(0xc2, 0x80, 0x80)
const ZERO_IV = new Uint8Array(16)

/** What the frame layer needs from the handshake's {@link Secrets}. */
export interface FrameSecrets {
  aesSecret: Uint8Array
  macSecret: Uint8Array
  egressMac: MacHash
  ingressMac: MacHash
}

/** Why an ingress frame was refused. Every one is fatal: the MAC and cipher states are lost. */
export type FrameErrorCode = 'HEADER_MAC' | 'FRAME_MAC' | 'TOO_LARGE'

/** A frame that fails its MAC or announces more than the cap. */
export class FrameError extends Error {
  override name = 'FrameError'
  constructor(
    readonly code: FrameErrorCode,
    detail = '',
  ) {
    super(detail ? `${code}: ${detail}` : code)
  }
}

/** Padded length of `n` frame-data bytes (zero-fill to a 16-byte boundary). */
export const paddedSize = (n: number): number => (n + 15) & ~15

/** Total wire size of a frame carrying `n` bytes of frame-data. */
export const frameWireSize = (n: number): number => HEADER_SIZE + MAC_SIZE + paddedSize(n) + MAC_SIZE

/**
 * Frame-data size from which {@link FrameWriter.writePieces} leaves the payload's ciphertext as
 * its own piece instead of copying everything into one buffer: two 64 KiB copies and
 * allocations saved cost more than the two extra cipher calls (measured at 16 KiB and up).
 */
export const PIECES_FROM = 16 * 1024
const ZERO_PAD = new Uint8Array(16)

/** Egress: encrypts and MACs frames. One instance per connection; frames must be sent in order. */
export class FrameWriter {
  private readonly aes: Cipher
  private readonly mac: RunningMac

  constructor(s: FrameSecrets) {
    this.aes = createCipheriv('aes-256-ctr', s.aesSecret, ZERO_IV)
    this.mac = new RunningMac(s.macSecret, s.egressMac)
  }

  /**
   * One frame whose frame-data is the concatenation of `parts` (message id RLP, then payload).
   * Throws RangeError above {@link MAX_FRAME_SIZE} (a caller's bug: check sizes before).
   */
  write(...parts: Uint8Array[]): Uint8Array {
    let size = 0
    for (const p of parts) size += p.length
    if (size > MAX_FRAME_SIZE) throw new RangeError(`frame of ${size} bytes exceeds ${MAX_FRAME_SIZE}`)
    const padded = paddedSize(size)
    const out = new Uint8Array(HEADER_SIZE + MAC_SIZE + padded + MAC_SIZE)
    // Plain header || body lie contiguous at [16, 32 + padded): one cipher call for both (the
    // CTR keystream runs on from the header into the body). The ciphertext is copied back to the
    // same place, which leaves the body where it belongs; the header moves to [0, 16).
    const plain = out.subarray(HEADER_SIZE, HEADER_SIZE + MAC_SIZE + padded)
    plain[0] = size >>> 16
    plain[1] = (size >>> 8) & 0xff
    plain[2] = size & 0xff
    plain.set(HEADER_DATA, 3)
    let o = HEADER_SIZE
    for (const p of parts) {
      plain.set(p, o)
      o += p.length
    }
    out.set(this.aes.update(plain), HEADER_SIZE)
    out.copyWithin(0, HEADER_SIZE, HEADER_SIZE + MAC_SIZE)
    out.set(this.mac.header(out), HEADER_SIZE)
    const bodyEnd = HEADER_SIZE + MAC_SIZE + padded
    out.set(this.mac.frame(out.subarray(HEADER_SIZE + MAC_SIZE, bodyEnd)), bodyEnd)
    return out
  }

  /**
   * The frame of `id || payload` as pieces to write in order (the same bytes as
   * {@link write}): one piece for small frames; from {@link PIECES_FROM} bytes on, the header,
   * its MAC and the id's ciphertext, then the payload's ciphertext as the cipher returned it,
   * then the padding's ciphertext and the frame MAC.
   */
  writePieces(id: Uint8Array, payload: Uint8Array): Uint8Array[] {
    const size = id.length + payload.length
    if (size < PIECES_FROM) return [this.write(id, payload)]
    if (size > MAX_FRAME_SIZE) throw new RangeError(`frame of ${size} bytes exceeds ${MAX_FRAME_SIZE}`)
    const pad = paddedSize(size) - size
    // Plain header || id, encrypted in place at [16, 32 + id) and the header moved to [0, 16).
    const first = new Uint8Array(HEADER_SIZE + MAC_SIZE + id.length)
    first[HEADER_SIZE] = size >>> 16
    first[HEADER_SIZE + 1] = (size >>> 8) & 0xff
    first[HEADER_SIZE + 2] = size & 0xff
    first.set(HEADER_DATA, HEADER_SIZE + 3)
    first.set(id, HEADER_SIZE + MAC_SIZE)
    first.set(this.aes.update(first.subarray(HEADER_SIZE)), HEADER_SIZE)
    first.copyWithin(0, HEADER_SIZE, HEADER_SIZE + MAC_SIZE)
    first.set(this.mac.header(first), HEADER_SIZE)
    const body = this.aes.update(payload)
    const last = new Uint8Array(pad + MAC_SIZE)
    if (pad > 0) last.set(this.aes.update(ZERO_PAD.subarray(0, pad)))
    const idCt = first.subarray(HEADER_SIZE + MAC_SIZE)
    last.set(this.mac.frame(idCt, body, last.subarray(0, pad)), pad)
    return [first, body, last]
  }
}

/** Whether a[ao, ao + 16) equals b[bo, bo + 16), in time independent of where they differ. */
function macEqual(a: Uint8Array, ao: number, b: Uint8Array, bo: number): boolean {
  let d = 0
  for (let i = 0; i < MAC_SIZE; i++) d |= (a[ao + i] as number) ^ (b[bo + i] as number)
  return d === 0
}

const NEED_MORE: Result<undefined, never> = ok(undefined)

/** Options of a {@link FrameReader}. */
export interface FrameReaderOptions {
  /** Refuse headers announcing more than this (default {@link MAX_FRAME_SIZE}). */
  maxFrameSize?: number
}

/**
 * Ingress: a streaming decoder. It reads the 32-byte header, checks its MAC, then waits for
 * exactly the announced body and checks the frame MAC before decrypting. Chunks are kept in a
 * list and copied once, when a frame's bytes are complete.
 *
 * BOUNDED: holds at most one frame (≤ maxFrameSize + 48 bytes) plus the chunks pushed since the
 * last {@link next}; the caller drains with `next()` after every `push()`.
 */
export class FrameReader {
  private readonly aes: Decipher
  private readonly mac: RunningMac
  private readonly maxFrameSize: number
  private chunks: Uint8Array[] = []
  private offset = 0
  private length = 0
  /** frame-size announced by the current header, or -1 while waiting for a header. */
  private bodySize = -1
  private failed?: FrameError
  /**
   * The keystream block of the next header, when the body's cipher call already produced it
   * (see {@link next}); the decipher's position is then past that header.
   */
  private readonly headerKeystream = new Uint8Array(HEADER_SIZE)
  private haveHeaderKeystream = false

  constructor(s: FrameSecrets, opts: FrameReaderOptions = {}) {
    this.aes = createDecipheriv('aes-256-ctr', s.aesSecret, ZERO_IV)
    this.mac = new RunningMac(s.macSecret, s.ingressMac)
    this.maxFrameSize = Math.min(opts.maxFrameSize ?? MAX_FRAME_SIZE, MAX_FRAME_SIZE)
  }

  /** Bytes received and not yet returned as frames. */
  get buffered(): number {
    return this.length
  }

  /** Whether a header has been read and its body is awaited. */
  get inFrame(): boolean {
    return this.bodySize >= 0
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0 || this.failed) return
    // A plain Uint8Array view: Buffer#subarray goes through the species constructor (slower).
    this.chunks.push(
      chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length),
    )
    this.length += chunk.length
  }

  /** The next frame's frame-data, `undefined` when more bytes are needed, or a fatal error. */
  next(): Result<Uint8Array | undefined, FrameError> {
    if (this.failed) return err(this.failed)
    if (this.bodySize < 0) {
      if (this.length < HEADER_SIZE + MAC_SIZE) return NEED_MORE
      const h = this.take(HEADER_SIZE + MAC_SIZE)
      // header() reads the first 16 bytes: the header ciphertext.
      if (!macEqual(this.mac.header(h), 0, h, HEADER_SIZE)) return this.fail(new FrameError('HEADER_MAC'))
      let size: number
      if (this.haveHeaderKeystream) {
        const k = this.headerKeystream
        size = (((h[0] as number) ^ (k[0] as number)) << 16) | (((h[1] as number) ^ (k[1] as number)) << 8)
        size |= (h[2] as number) ^ (k[2] as number)
        this.haveHeaderKeystream = false
      } else {
        const header = this.aes.update(h.subarray(0, HEADER_SIZE))
        size = ((header[0] as number) << 16) | ((header[1] as number) << 8) | (header[2] as number)
      }
      if (size > this.maxFrameSize)
        return this.fail(new FrameError('TOO_LARGE', `header announces ${size} bytes, cap ${this.maxFrameSize}`))
      this.bodySize = size
    }
    const padded = paddedSize(this.bodySize)
    if (this.length < padded + MAC_SIZE) return NEED_MORE
    const b = this.take(padded + MAC_SIZE)
    if (!macEqual(this.mac.frame(b.subarray(0, padded)), 0, b, padded)) return this.fail(new FrameError('FRAME_MAC'))
    // One cipher call for the body and the next header's keystream: the frame MAC (known,
    // unencrypted) goes through as a stand-in for the next header's ciphertext, and
    // (mac ^ keystream) ^ mac leaves the keystream. Saves a native call per frame.
    const plain = this.aes.update(b)
    const k = this.headerKeystream
    for (let i = 0; i < MAC_SIZE; i++) {
      k[i] = (plain[padded + i] as number) ^ (b[padded + i] as number)
      plain[padded + i] = 0
    }
    this.haveHeaderKeystream = true
    const size = this.bodySize
    this.bodySize = -1
    return ok(new Uint8Array(plain.buffer, plain.byteOffset, size))
  }

  private fail(e: FrameError): Result<never, FrameError> {
    this.failed = e
    this.chunks = []
    this.length = 0
    return err(e)
  }

  /** Remove and return the first `n` buffered bytes (a view when they lie in one chunk). */
  private take(n: number): Uint8Array {
    const first = this.chunks[0] as Uint8Array
    this.length -= n
    if (first.length - this.offset >= n) {
      const view = first.subarray(this.offset, this.offset + n)
      this.offset += n
      if (this.offset === first.length) {
        this.chunks.shift()
        this.offset = 0
      }
      return view
    }
    const out = new Uint8Array(n)
    let o = 0
    while (o < n) {
      const c = this.chunks[0] as Uint8Array
      const k = Math.min(c.length - this.offset, n - o)
      out.set(c.subarray(this.offset, this.offset + k), o)
      o += k
      this.offset += k
      if (this.offset === c.length) {
        this.chunks.shift()
        this.offset = 0
      }
    }
    return out
  }
}
