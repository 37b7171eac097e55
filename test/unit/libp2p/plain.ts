/**
 * Test helpers for the libp2p interop tests: a plain js-libp2p node built without our code, and
 * the req/resp wire format written with the snappy package's own framing codec and
 * @ethereumjs/rlp (an implementation independent of src/libp2p).
 */
// js-libp2p needs Promise.withResolvers (Node 22+): installed before any libp2p module loads.
import '../../../src/libp2p/polyfill.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { type Identify, identify } from '@libp2p/identify'
import type { Libp2p, Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import snappy from 'snappy'

/** A plain js-libp2p node on 127.0.0.1: TCP, noise, yamux, identify; nothing of ours. */
export async function plainNode(): Promise<Libp2p<{ identify: Identify }>> {
  return createLibp2p({
    privateKey: await generateKeyPair('secp256k1'),
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
  })
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let pos = 0
  for (const p of parts) {
    out.set(p, pos)
    pos += p.length
  }
  return out
}

export function varint(n: number): Uint8Array {
  const out: number[] = []
  let v = n
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80)
    v = Math.floor(v / 128)
  }
  out.push(v)
  return Uint8Array.from(out)
}

/** Framed snappy by the snappy package. */
export async function framed(data: Uint8Array): Promise<Uint8Array> {
  const c = new snappy.Compressor()
  const head = c.update(data)
  return concat(head, await c.finish())
}

export async function unframed(data: Uint8Array): Promise<Uint8Array> {
  const d = new snappy.Decompressor()
  const head = d.update(data)
  return concat(head, await d.finish())
}

/** Everything the remote writes until it closes (or the deadline). */
export async function readAll(stream: Stream, ms = 3000): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  const deadline = AbortSignal.timeout(ms)
  const it = stream[Symbol.asyncIterator]()
  for (;;) {
    const next = await Promise.race([
      it.next(),
      new Promise<never>((_, reject) => deadline.addEventListener('abort', () => reject(deadline.reason))),
    ])
    if (next.done) break
    parts.push(next.value instanceof Uint8Array ? next.value : next.value.subarray())
  }
  return concat(...parts)
}

function readVarint(b: Uint8Array, pos: number): [number, number] {
  let v = 0
  for (let i = 0; ; i++) {
    const x = b[pos + i] as number
    v += (x & 0x7f) * 2 ** (7 * i)
    if (x < 0x80) return [v, pos + i + 1]
  }
}

/** Parse `result | varint | frames` with the snappy package. */
export async function parseResponse(b: Uint8Array): Promise<{ result: number; payload: Uint8Array }> {
  const [len, pos] = readVarint(b, 1)
  const payload = len === 0 ? new Uint8Array(0) : await unframed(b.subarray(pos))
  if (payload.length !== len) throw new Error(`length prefix ${len}, payload ${payload.length}`)
  return { result: b[0] as number, payload }
}

/** Parse `varint | frames` (a request) with the snappy package. */
export async function parseRequest(b: Uint8Array): Promise<Uint8Array> {
  const [len, pos] = readVarint(b, 0)
  const payload = len === 0 ? new Uint8Array(0) : await unframed(b.subarray(pos))
  if (payload.length !== len) throw new Error(`length prefix ${len}, payload ${payload.length}`)
  return payload
}

/** Resolve when `check()` holds, polling every 20 ms; reject after `ms`. */
export async function until(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = performance.now() + ms
  while (!check()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
