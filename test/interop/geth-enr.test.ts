// Records agree with go-ethereum: 200 ENRs made by eth-p2p (random keys, addresses, ports, extra keys)
// are accepted by `devp2p enrdump` with the same fields.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { Enr, type EnrFields, formatIp, generatePrivateKey, toHex } from '../../src/index.js'
import { peerBinary, runBinary } from '../helpers/peers.js'

const devp2p = peerBinary('devp2p')
const RECORDS = 200

const fields = fc.record(
  {
    seq: fc.bigInt({ min: 1n, max: (1n << 63n) - 1n }),
    ip: fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.')),
    // not IPv4-mapped (go-ethereum prints those in dotted form)
    ip6: fc
      .uint8Array({ minLength: 16, maxLength: 16 })
      .filter((b) => !(b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff))
      .map((b) => formatIp(b)),
    tcp: fc.integer({ min: 1, max: 65535 }),
    udp: fc.integer({ min: 1, max: 65535 }),
    tcp6: fc.integer({ min: 1, max: 65535 }),
    udp6: fc.integer({ min: 1, max: 65535 }),
    extra: fc.dictionary(
      fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/).filter((k) => !/^(id|ip6?|tcp6?|udp6?|quic6?|secp256k1)$/.test(k)),
      fc.uint8Array({ minLength: 1, maxLength: 12 }),
      { maxKeys: 3 },
    ),
  },
  { requiredKeys: ['seq'] },
)

/** The key/value lines of `devp2p enrdump`: `  "key"   value`. */
function dumpPairs(out: string): Map<string, string> {
  const m = new Map<string, string>()
  for (const line of out.split('\n')) {
    const r = /^\s+"([^"]+)"\s+(.*)$/.exec(line)
    if (r) m.set(r[1] as string, (r[2] as string).trim())
  }
  return m
}

test(`${RECORDS} records made by eth-p2p are accepted by go-ethereum's devp2p enrdump with the same fields`, async (t) => {
  if (!devp2p.path) {
    if (process.env.CI === 'true') assert.fail(devp2p.missing)
    return t.skip(devp2p.missing)
  }
  const samples = fc.sample(fields, { numRuns: RECORDS, seed: 778 })
  for (const f of samples) {
    const enr = Enr.create(generatePrivateKey(), f as EnrFields)
    const { code, out } = await runBinary(devp2p.path, ['enrdump', enr.encodeText()], 10_000)
    assert.equal(code, 0, out)
    assert.match(out, new RegExp(`Node ID: ${enr.nodeIdHex}`))
    assert.match(out, new RegExp(`sequence number ${enr.seq} and ${enr.keys().length} key/value pairs`))
    const pairs = dumpPairs(out)
    assert.deepEqual([...pairs.keys()].sort(), enr.keys())
    for (const k of enr.keys()) {
      const expected =
        k === 'id'
          ? '"v4"'
          : k === 'ip' || k === 'ip6'
            ? (enr[k] as string)
            : /^(tcp|udp)6?$/.test(k)
              ? String(enr[k as 'tcp'])
              : toHex(enr.get(k) as Uint8Array)
      assert.equal(pairs.get(k), expected, `${k} of ${enr.encodeText()}`)
    }
  }
})
