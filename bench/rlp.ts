// RLP decode and encode of a realistic eth message, a BlockHeaders list of 1,000 headers,
// ours beside @ethereumjs/rlp (what @ethereumjs/devp2p uses).
import { RLP } from '@ethereumjs/rlp'
import { decode, encode, type RlpInput } from '../src/rlp/index.js'
import { opsPerSecond, row } from './_harness.js'

function rnd(n: number): Uint8Array {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = (i * 131 + n * 7) & 0xff
  b[0] = 1
  return b
}

/** A post-Cancun header shape: 20 fields, hashes, bloom, numbers. */
function header(i: number): RlpInput[] {
  return [
    rnd(32),
    rnd(32),
    rnd(20),
    rnd(32),
    rnd(32),
    rnd(32),
    rnd(256),
    0,
    19_000_000 + i,
    30_000_000,
    12_345_678 + i,
    1_700_000_000 + 12 * i,
    rnd(32),
    rnd(32),
    new Uint8Array(8),
    7_000_000_000n + BigInt(i),
    rnd(32),
    131072,
    0,
    rnd(32),
  ]
}

const msg = encode([12345, Array.from({ length: 1000 }, (_, i) => header(i))])
console.log(`BlockHeaders message: 1,000 headers, ${(msg.length / 1024).toFixed(0)} KiB`)
const ours = opsPerSecond(() => decode(msg), 1500)
const theirs = opsPerSecond(() => RLP.decode(msg), 1500)
row('decode 1,000-header BlockHeaders', ours, theirs, 'msg/s', '@ethereumjs/rlp')
const decoded = decode(msg) as RlpInput
const oursE = opsPerSecond(() => encode(decoded), 1500)
const theirsE = opsPerSecond(() => RLP.encode(decoded as never), 1500)
row('encode 1,000-header BlockHeaders', oursE, theirsE, 'msg/s', '@ethereumjs/rlp')
