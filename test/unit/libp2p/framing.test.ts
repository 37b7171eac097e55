import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import snappy from 'snappy'
import {
  ByteReader,
  crc32c,
  encodeFramed,
  encodeRequest,
  encodeResponse,
  encodeVarint,
  MAX_CHUNK_BODY,
  maskedCrc32c,
  maxFramedLength,
  ResultCode,
  readFramed,
  readRequest,
  readResponse,
  readVarint,
  STREAM_IDENTIFIER,
  StreamWireError,
} from '../../../src/libp2p/index.js'
import { concatBytes } from '../../../src/util/bytes.js'

/** A reader over fixed chunks; counts how many bytes the decoder pulled. */
function source(...chunks: Uint8Array[]): ByteReader {
  return new ByteReader(
    (async function* () {
      for (const c of chunks) yield c
    })(),
  )
}

function chunk(type: number, body: Uint8Array): Uint8Array {
  const len = body.length
  return concatBytes(Uint8Array.of(type, len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff), body)
}

function crcBytes(data: Uint8Array): Uint8Array {
  const c = maskedCrc32c(data)
  return Uint8Array.of(c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, c >>> 24)
}

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof StreamWireError && e.code === code)
}

async function theirFramed(data: Uint8Array): Promise<Uint8Array> {
  const c = new snappy.Compressor()
  const head = c.update(data)
  return concatBytes(head, await c.finish())
}

async function theirUnframed(data: Uint8Array): Promise<Uint8Array> {
  const d = new snappy.Decompressor()
  const head = d.update(data)
  return concatBytes(head, await d.finish())
}

describe('CRC-32C', () => {
  test('This test checks the Castagnoli check value and the framing mask', () => {
    // RFC 3720 B.4 / the usual CRC catalogue: crc32c("123456789") = 0xe3069283
    assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283)
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa) // RFC 3720 B.4: 32 bytes of zeros
    const c = crc32c(new Uint8Array(0))
    assert.equal(maskedCrc32c(new Uint8Array(0)), ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0)
  })
})

describe('snappy framing', () => {
  const sizes = [1, 100, 65_535, 65_536, 65_537, 200_000]
  test('This test checks round trips for random and compressible payloads across chunk boundaries', async () => {
    for (const n of sizes) {
      for (const data of [randomBytes(n), new Uint8Array(n).fill(7)]) {
        const framed = encodeFramed(data)
        assert.deepEqual(framed.subarray(0, 10), STREAM_IDENTIFIER)
        assert.ok(framed.length <= maxFramedLength(n))
        assert.deepEqual(await readFramed(source(framed), n), new Uint8Array(data))
      }
    }
  })

  test('This test checks interop with the snappy package framing codec in both directions', async () => {
    for (const n of [1, 70_000, 150_001]) {
      const data = new Uint8Array(n).map((_, i) => (i * 31) % 251)
      assert.deepEqual(await theirUnframed(encodeFramed(data)), data)
      assert.deepEqual(await readFramed(source(await theirFramed(data)), n), data)
    }
  })

  test('This test checks that a payload delivered one byte at a time decodes the same', async () => {
    const data = randomBytes(5_000)
    const framed = encodeFramed(data)
    const bytes = [...framed].map((b) => Uint8Array.of(b))
    assert.deepEqual(await readFramed(source(...bytes), data.length), new Uint8Array(data))
  })

  test('This test checks padding and skippable chunks are skipped and reserved unskippable ones refused', async () => {
    const data = Uint8Array.of(1, 2, 3)
    const body = chunk(0x01, concatBytes(crcBytes(data), data))
    const padded = concatBytes(STREAM_IDENTIFIER, chunk(0xfe, new Uint8Array(5)), chunk(0x80, new Uint8Array(2)), body)
    assert.deepEqual(await readFramed(source(padded), 3), data)
    await rejects(readFramed(source(concatBytes(STREAM_IDENTIFIER, chunk(0x02, new Uint8Array(4)))), 3), 'BAD_FRAME')
  })

  test('This test checks a missing stream identifier and a bad checksum are refused', async () => {
    const data = Uint8Array.of(9, 9, 9)
    const good = chunk(0x01, concatBytes(crcBytes(data), data))
    await rejects(readFramed(source(good), 3), 'BAD_FRAME')
    const bad = chunk(0x01, concatBytes(Uint8Array.of(0, 0, 0, 0), data))
    await rejects(readFramed(source(concatBytes(STREAM_IDENTIFIER, bad)), 3), 'BAD_CRC')
    const badMagic = Uint8Array.from(STREAM_IDENTIFIER)
    badMagic[9] = 0x58
    await rejects(readFramed(source(concatBytes(badMagic, good)), 3), 'BAD_FRAME')
  })

  test('This test checks a chunk length over the read budget is refused before its body is read', async () => {
    const head = Uint8Array.of(0x00, 0xff, 0xff, 0xff) // 16 MiB chunk announced
    const reader = source(STREAM_IDENTIFIER, head, new Uint8Array(100))
    await rejects(readFramed(reader, 1000), 'TOO_LARGE')
    assert.equal(reader.consumed, 14, 'only the identifier and the header were read')
    // a full payload size does not let one chunk exceed snappy's worst case for 64 KiB
    const big = Uint8Array.of(0x00, (MAX_CHUNK_BODY + 1) & 0xff, ((MAX_CHUNK_BODY + 1) >> 8) & 0xff, 0x01)
    await rejects(readFramed(source(STREAM_IDENTIFIER, big), 1_000_000), 'TOO_LARGE')
  })

  test('This test checks snappy bombs: a block announcing more than the chunk or payload allows', async () => {
    // compressed chunk whose snappy block header claims 2^28 bytes
    const bomb = concatBytes(Uint8Array.of(0, 0, 0, 0), encodeVarint(1 << 28), new Uint8Array(8))
    await rejects(readFramed(source(concatBytes(STREAM_IDENTIFIER, chunk(0x00, bomb))), 100), 'TOO_LARGE')
    // 64 KiB of zeros compresses to ~3 KiB; a stream announcing 1,000 bytes must not accept it
    const zeros = new Uint8Array(65_536)
    const packed = snappy.compressSync(zeros)
    const c = chunk(0x00, concatBytes(crcBytes(zeros), packed))
    await rejects(readFramed(source(concatBytes(STREAM_IDENTIFIER, c)), 1_000), 'TOO_LARGE')
    // an uncompressed chunk longer than what is left
    const raw = new Uint8Array(20)
    await rejects(
      readFramed(source(concatBytes(STREAM_IDENTIFIER, chunk(0x01, concatBytes(crcBytes(raw), raw)))), 10),
      'TOO_LARGE',
    )
  })

  test('This test checks corrupt blocks, endless padding and truncation', async () => {
    const junk = concatBytes(Uint8Array.of(0, 0, 0, 0), Uint8Array.of(10, 0xff, 0xff, 0xff))
    await rejects(readFramed(source(concatBytes(STREAM_IDENTIFIER, chunk(0x00, junk))), 10), 'CORRUPT')
    const pads = Array.from({ length: 400 }, () => chunk(0xfe, new Uint8Array(0)))
    await rejects(readFramed(source(STREAM_IDENTIFIER, ...pads), 10), 'TOO_LARGE')
    const framed = encodeFramed(randomBytes(1000))
    await rejects(readFramed(source(framed.subarray(0, framed.length - 1)), 1000), 'EOF')
  })
})

describe('length prefixes and req/resp chunks', () => {
  test('This test checks varints round-trip and refuse over-long, non-minimal and over-limit prefixes', async () => {
    for (const n of [0, 1, 127, 128, 300, 16_383, 16_384, 10 * 1024 * 1024])
      assert.equal(await readVarint(source(encodeVarint(n)), 10 * 1024 * 1024), n)
    await rejects(readVarint(source(Uint8Array.of(0x80, 0x00)), 1000), 'BAD_VARINT')
    await rejects(readVarint(source(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x80, 0x00)), 2 ** 40), 'BAD_VARINT')
    // refused at the byte that crosses the limit, not after the whole prefix
    const reader = source(Uint8Array.of(0xff, 0xff, 0xff, 0x7f))
    await rejects(readVarint(reader, 10 * 1024 * 1024), 'TOO_LARGE')
    assert.equal(reader.consumed, 4)
    await rejects(readVarint(source(encodeVarint(1001)), 1000), 'TOO_LARGE')
  })

  test('This test checks request and response encodings round-trip, with result codes', async () => {
    const payload = randomBytes(3000)
    assert.deepEqual(await readRequest(source(encodeRequest(payload)), 5000), new Uint8Array(payload))
    await rejects(readRequest(source(encodeRequest(payload)), 2999), 'TOO_LARGE')
    const ok = await readResponse(source(encodeResponse(ResultCode.Success, payload)), 5000)
    assert.equal(ok.result, ResultCode.Success)
    assert.deepEqual(ok.payload, new Uint8Array(payload))
    const msg = new TextEncoder().encode('no such block')
    const e = await readResponse(source(encodeResponse(ResultCode.ResourceUnavailable, msg)), 5000)
    assert.equal(e.result, ResultCode.ResourceUnavailable)
    assert.deepEqual(e.payload, msg)
  })

  test('This test checks unknown result codes and oversized error messages are refused', async () => {
    await rejects(readResponse(source(Uint8Array.of(7, 0)), 100), 'BAD_RESULT')
    await rejects(
      readResponse(source(encodeResponse(ResultCode.ServerError, new Uint8Array(257))), 10_000),
      'TOO_LARGE',
    )
  })

  test('This test checks an empty payload needs no frames (as the snappy package encodes it)', async () => {
    assert.deepEqual(await readRequest(source(Uint8Array.of(0)), 10), new Uint8Array(0))
    assert.deepEqual(await theirFramed(new Uint8Array(0)), new Uint8Array(0))
  })
})
