/** The decoders under property test, with their seeds and typed errors. Shared by the test and `npm run fuzz`. */

import { decodeEnrText } from '../../src/enr/index.js'
import { Enr, EnrError, generatePrivateKey, parseEnode, publicKey64, RlpError, rlp, toHex } from '../../src/index.js'
import { fromUtf8, utf8 } from '../../src/util/bytes.js'

const key = generatePrivateKey()

export interface FuzzTarget {
  name: string
  seeds: Uint8Array[]
  maxRandomLength: number
  decode: (input: Uint8Array) => unknown
  isTyped: (e: unknown) => boolean
}

export const targets: FuzzTarget[] = [
  {
    name: 'RLP',
    seeds: [
      rlp.encode([1, 'dog', [[], [new Uint8Array(60)]], 1024n]),
      rlp.encode(new Uint8Array(70)),
      rlp.encode(Array.from({ length: 40 }, (_, i) => i)),
    ],
    maxRandomLength: 96,
    decode: (b) => rlp.decode(b),
    isTyped: (e) => e instanceof RlpError,
  },
  {
    name: 'ENR (RLP form)',
    seeds: [
      Enr.create(key, { ip: '10.0.0.1', tcp: 30303, udp: 30303 }).encode(),
      Enr.create(key, { ip6: '::1', udp6: 9000, extra: { eth: [[new Uint8Array(4), 0]] } }).encode(),
    ],
    maxRandomLength: 320,
    decode: (b) => Enr.decode(b),
    isTyped: (e) => e instanceof EnrError,
  },
  {
    name: 'ENR (text form)',
    seeds: [utf8(Enr.create(key, { ip: '10.0.0.1', udp: 1 }).encodeText())],
    maxRandomLength: 120,
    decode: (b) => decodeEnrText(fromUtf8(b)),
    isTyped: (e) => e instanceof EnrError,
  },
  {
    name: 'enode URL',
    seeds: [
      utf8(`enode://${toHex(publicKey64(key))}@127.0.0.1:30303?discport=30301`),
      utf8(`enode://${toHex(publicKey64(key))}@[2001:db8::1]:1`),
      utf8(`enode://${toHex(publicKey64(key))}@host.example:1`),
    ],
    maxRandomLength: 200,
    decode: (b) => parseEnode(fromUtf8(b)),
    isTyped: (e) => e instanceof EnrError,
  },
]
