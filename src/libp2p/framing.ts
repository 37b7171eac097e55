/**
 * The snappy framing format (google/snappy framing_format.txt), as the consensus-layer req/resp
 * domain uses it for `*_snappy` encodings: a stream identifier chunk, then compressed (0x00) or
 * uncompressed (0x01) data chunks of at most 64 KiB each, every one carrying the masked CRC-32C
 * of its uncompressed data. Padding (0xfe) and reserved skippable chunks (0x80-0xfd) are skipped;
 * reserved unskippable chunks (0x02-0x7f) are an error.
 *
 * Decoding reads exactly the announced number of uncompressed bytes and never allocates by a
 * peer's claim: each chunk's length is checked against what is left of the read budget, each
 * snappy block's announced size against what is left of the payload, before anything is read or
 * decompressed.
 * @module
 */
import { snappyCompress, snappyDecompress } from '../rlpx/snappy.js'
import { concatBytes, equalBytes } from '../util/bytes.js'
import { MAX_FRAME_CHUNK_DATA, maxCompressedLength, maxFramedLength } from './constants.js'
import { maskedCrc32c } from './crc32c.js'
import { StreamWireError } from './errors.js'
import type { ByteSource } from './reader.js'

/** The stream identifier chunk: type 0xff, length 6, "sNaPpY". framing_format.txt section 4.1. */
export const STREAM_IDENTIFIER = Uint8Array.of(0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59)
const MAGIC = STREAM_IDENTIFIER.subarray(4)

/** Chunk types (framing_format.txt section 4). */
export const ChunkType = {
  Compressed: 0x00,
  Uncompressed: 0x01,
  Padding: 0xfe,
  StreamIdentifier: 0xff,
} as const

/** Largest chunk body we accept: a CRC plus snappy's worst case for a full 64 KiB chunk. */
export const MAX_CHUNK_BODY = 4 + maxCompressedLength(MAX_FRAME_CHUNK_DATA)

function chunkHeader(type: number, len: number, crc: number): Uint8Array {
  return Uint8Array.of(
    type,
    len & 0xff,
    (len >>> 8) & 0xff,
    (len >>> 16) & 0xff,
    crc & 0xff,
    (crc >>> 8) & 0xff,
    (crc >>> 16) & 0xff,
    crc >>> 24,
  )
}

/**
 * Frame `data`: the stream identifier, then one chunk per 64 KiB, compressed unless compression
 * does not make it smaller (then stored uncompressed, as the reference encoder does).
 */
export function encodeFramed(data: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [STREAM_IDENTIFIER]
  for (let pos = 0; pos < data.length; pos += MAX_FRAME_CHUNK_DATA) {
    const chunk = data.subarray(pos, pos + MAX_FRAME_CHUNK_DATA)
    const crc = maskedCrc32c(chunk)
    const packed = snappyCompress(chunk)
    if (packed.length < chunk.length) parts.push(chunkHeader(ChunkType.Compressed, packed.length + 4, crc), packed)
    else parts.push(chunkHeader(ChunkType.Uncompressed, chunk.length + 4, crc), chunk)
  }
  return concatBytes(...parts)
}

function readU24(b: Uint8Array): number {
  return (b[1] as number) | ((b[2] as number) << 8) | ((b[3] as number) << 16)
}

function readU32(b: Uint8Array): number {
  return ((b[0] as number) | ((b[1] as number) << 8) | ((b[2] as number) << 16) | ((b[3] as number) << 24)) >>> 0
}

/**
 * Read one framed payload of exactly `expected` uncompressed bytes from `src`. The caller has
 * checked `expected` against its limit. Throws StreamWireError (BAD_FRAME, BAD_CRC, CORRUPT,
 * TOO_LARGE, EOF) or the signal's reason.
 */
export async function readFramed(src: ByteSource, expected: number, signal?: AbortSignal): Promise<Uint8Array> {
  if (expected === 0) return new Uint8Array(0)
  let budget = maxFramedLength(expected)
  const out: Uint8Array[] = []
  let got = 0
  let first = true
  while (got < expected) {
    if (budget < 4) throw new StreamWireError('TOO_LARGE', `framing overhead over ${maxFramedLength(expected)} bytes`)
    const head = await src.read(4, signal)
    budget -= 4
    const type = head[0] as number
    const len = readU24(head)
    if (len > budget) throw new StreamWireError('TOO_LARGE', `chunk of ${len} bytes over the remaining budget`)
    if (first && type !== ChunkType.StreamIdentifier)
      throw new StreamWireError('BAD_FRAME', 'missing stream identifier')
    first = false
    if (type === ChunkType.StreamIdentifier) {
      if (len !== MAGIC.length) throw new StreamWireError('BAD_FRAME', 'bad stream identifier length')
      if (!equalBytes(await src.read(len, signal), MAGIC))
        throw new StreamWireError('BAD_FRAME', 'bad stream identifier')
      budget -= len
      continue
    }
    if (type >= 0x02 && type <= 0x7f)
      throw new StreamWireError('BAD_FRAME', `reserved unskippable chunk 0x${type.toString(16)}`)
    if (type >= 0x80) {
      // padding or reserved skippable: counted against the budget, then dropped
      if (len > 0) await src.read(len, signal)
      budget -= len
      continue
    }
    if (len < 4) throw new StreamWireError('BAD_FRAME', 'data chunk shorter than its checksum')
    if (len > MAX_CHUNK_BODY) throw new StreamWireError('TOO_LARGE', `chunk of ${len} bytes`)
    const left = expected - got
    if (type === ChunkType.Uncompressed && len - 4 > Math.min(left, MAX_FRAME_CHUNK_DATA))
      throw new StreamWireError('TOO_LARGE', `uncompressed chunk of ${len - 4} bytes, ${left} expected`)
    const body = await src.read(len, signal)
    budget -= len
    let data: Uint8Array
    if (type === ChunkType.Uncompressed) data = body.subarray(4)
    else {
      const r = snappyDecompress(body.subarray(4), Math.min(left, MAX_FRAME_CHUNK_DATA))
      if (!r.ok) throw new StreamWireError(r.error.code === 'TOO_LARGE' ? 'TOO_LARGE' : 'CORRUPT', r.error.message)
      data = r.value
    }
    if (maskedCrc32c(data) !== readU32(body)) throw new StreamWireError('BAD_CRC', 'chunk checksum mismatch')
    if (data.length > 0) out.push(data)
    got += data.length
  }
  if (out.length !== 1) return concatBytes(...out)
  const only = out[0] as Uint8Array
  // a plain Uint8Array view (snappy and the transport hand out Buffers)
  return only.constructor === Uint8Array ? only : new Uint8Array(only.buffer, only.byteOffset, only.length)
}
