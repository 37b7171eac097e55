import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { CodecError } from '../../../../src/protocol/index.js'
import {
  type ChainConfig,
  computeForkId,
  crc32,
  forkHashUpdate,
  forkIdCodec,
  forkIdFilter,
  holesky,
  hoodi,
  mainnet,
  sepolia,
} from '../../../../src/protocols/eth/index.js'
import { fromHex, toHex, utf8 } from '../../../../src/util/bytes.js'

const U64_MAX = (1n << 64n) - 1n

/** Mainnet as it was when EIP-2124 was written: forks up to Petersburg only. */
const petersburgMainnet: ChainConfig = {
  ...mainnet,
  forks: mainnet.forks.filter((f) => 'block' in f && f.block <= 7_280_000n),
}
/** Mainnet without its time forks (go-ethereum forkid_test "legacyConfig"). */
const legacyMainnet: ChainConfig = { ...mainnet, forks: mainnet.forks.filter((f) => 'block' in f) }

type Case = [number, number, number, number] // head, time, hash, next

function checkCreation(chain: ChainConfig, cases: Case[]) {
  for (const [head, time, hash, next] of cases) {
    const id = computeForkId(chain, { number: BigInt(head), time: BigInt(time) })
    assert.equal(id.hash.toString(16), hash.toString(16), `${chain.name} head ${head} time ${time}`)
    assert.equal(id.next, BigInt(next), `${chain.name} head ${head} time ${time} next`)
  }
}

describe('EIP-2124 fork id creation', () => {
  test('crc32 is IEEE CRC32 (check value of "123456789")', () => {
    assert.equal(crc32(utf8('123456789')), 0xcbf43926)
  })

  test("EIP-2124's mainnet vectors (Petersburg cap)", () => {
    checkCreation(petersburgMainnet, [
      [0, 0, 0xfc64ec04, 1150000],
      [1149999, 0, 0xfc64ec04, 1150000],
      [1150000, 0, 0x97c2c34c, 1920000],
      [1919999, 0, 0x97c2c34c, 1920000],
      [1920000, 0, 0x91d1f948, 2463000],
      [2462999, 0, 0x91d1f948, 2463000],
      [2463000, 0, 0x7a64da13, 2675000],
      [2674999, 0, 0x7a64da13, 2675000],
      [2675000, 0, 0x3edd5b10, 4370000],
      [4369999, 0, 0x3edd5b10, 4370000],
      [4370000, 0, 0xa00bc324, 7280000],
      [7279999, 0, 0xa00bc324, 7280000],
      [7280000, 0, 0x668db0af, 0],
      [7987396, 0, 0x668db0af, 0],
    ])
  })

  // The figures below are go-ethereum core/forkid/forkid_test.go TestCreation.
  test('mainnet through BPO2', () => {
    checkCreation(mainnet, [
      [0, 0, 0xfc64ec04, 1150000],
      [7280000, 0, 0x668db0af, 9069000],
      [9069000, 0, 0x879d6e30, 9200000],
      [9200000, 0, 0xe029e991, 12244000],
      [12244000, 0, 0x0eb440f6, 12965000],
      [12965000, 0, 0xb715077d, 13773000],
      [13773000, 0, 0x20c327fc, 15050000],
      [15050000, 0, 0xf0afd0e3, 1681338455],
      [20000000, 1681338454, 0xf0afd0e3, 1681338455],
      [20000000, 1681338455, 0xdce96c2d, 1710338135],
      [30000000, 1710338135, 0x9f3d2254, 1746612311],
      [30000000, 1746612311, 0xc376cf8b, 1764798551],
      [30000000, 1764798551, 0x5167e2a6, 1765290071],
      [30000000, 1765290071, 0xcba2a1c0, 1767747671],
      [30000000, 1767747671, 0x07c9462e, 0],
      [50000000, 2000000000, 0x07c9462e, 0],
    ])
  })

  test('sepolia', () => {
    checkCreation(sepolia, [
      [0, 0, 0xfe3366e7, 1735371],
      [1735370, 0, 0xfe3366e7, 1735371],
      [1735371, 0, 0xb96cbd13, 1677557088],
      [1735372, 1677557087, 0xb96cbd13, 1677557088],
      [1735372, 1677557088, 0xf7f9bc08, 1706655072],
      [1735372, 1706655072, 0x88cf81d9, 1741159776],
      [1735372, 1741159776, 0xed88b5fd, 1760427360],
      [1735372, 1760427360, 0xe2ae4999, 1761017184],
      [1735372, 1761017184, 0x56078a1e, 1761607008],
      [1735372, 1761607008, 0x268956b6, 0],
    ])
  })

  test('holesky', () => {
    checkCreation(holesky, [
      [0, 0, 0xc61a6098, 1696000704],
      [123, 1696000704, 0xfd4f016b, 1707305664],
      [123, 1707305664, 0x9b192ad0, 1740434112],
      [123, 1740434112, 0xdfbd9bed, 1759308480],
      [123, 1759308480, 0x783def52, 1759800000],
      [123, 1759800000, 0xa280a45c, 1760389824],
      [123, 1760389824, 0x9bc6cb31, 0],
    ])
  })

  test('hoodi', () => {
    checkCreation(hoodi, [
      [0, 0, 0xbef71d30, 1742999832],
      [123, 1742999832, 0x0929e24e, 1761677592],
      [123, 1761677592, 0xe7e0e7ff, 1762365720],
      [123, 1762365720, 0x3893353e, 1762955544],
      [123, 1762955544, 0x23aa1351, 0],
    ])
  })
})

describe('EIP-2124 fork id validation', () => {
  type VCase = [number, number, number, bigint, 'ok' | 'REMOTE_STALE' | 'LOCAL_INCOMPATIBLE_OR_STALE']
  function checkValidation(chain: ChainConfig, cases: VCase[]) {
    const filter = forkIdFilter(chain)
    for (const [head, time, hash, next, want] of cases) {
      const r = filter({ number: BigInt(head), time: BigInt(time) }, { hash, next })
      assert.equal(r.ok ? 'ok' : r.error, want, `head ${head} time ${time} remote ${hash.toString(16)}/${next}`)
    }
  }

  test("EIP-2124's validation table (Petersburg cap)", () => {
    checkValidation(petersburgMainnet, [
      [7987396, 0, 0x668db0af, 0n, 'ok'],
      [7987396, 0, 0x668db0af, U64_MAX, 'ok'],
      [7279999, 0, 0xa00bc324, 0n, 'ok'],
      [7279999, 0, 0xa00bc324, 7280000n, 'ok'],
      [7279999, 0, 0xa00bc324, U64_MAX, 'ok'],
      [7987396, 0, 0xa00bc324, 7280000n, 'ok'],
      [7987396, 0, 0x3edd5b10, 4370000n, 'ok'],
      [7279999, 0, 0x668db0af, 0n, 'ok'],
      [4369999, 0, 0xa00bc324, 0n, 'ok'],
      [7987396, 0, 0xa00bc324, 0n, 'REMOTE_STALE'],
      [7987396, 0, 0x5cddc0e1, 0n, 'LOCAL_INCOMPATIBLE_OR_STALE'],
      [7279999, 0, 0x5cddc0e1, 0n, 'LOCAL_INCOMPATIBLE_OR_STALE'],
      [7987396, 0, 0xafec6b27, 0n, 'LOCAL_INCOMPATIBLE_OR_STALE'],
      [88888888, 0, 0x668db0af, 88888888n, 'LOCAL_INCOMPATIBLE_OR_STALE'],
      [7279999, 0, 0xa00bc324, 7279999n, 'LOCAL_INCOMPATIBLE_OR_STALE'],
    ])
  })

  // go-ethereum core/forkid/forkid_test.go TestValidation, legacy (block-only) config.
  test('block-only mainnet', () => {
    checkValidation(legacyMainnet, [
      [15050000, 0, 0xf0afd0e3, 0n, 'ok'],
      [15050000, 0, 0xf0afd0e3, U64_MAX, 'ok'],
      [7280000, 0, 0xa00bc324, 7280000n, 'ok'],
      [88888888, 0, 0xf0afd0e3, 88888888n, 'LOCAL_INCOMPATIBLE_OR_STALE'],
    ])
  })

  // go-ethereum core/forkid/forkid_test.go TestValidation, with timestamp forks.
  test('mainnet with time forks', () => {
    const plus = (h: number) => forkHashUpdate(h, U64_MAX)
    checkValidation(mainnet, [
      [15050000, 0, 0xf0afd0e3, 0n, 'ok'],
      [15050000, 0, 0xf0afd0e3, 1681338455n, 'ok'],
      [20000000, 1681338455, 0xf0afd0e3, 1681338455n, 'ok'],
      [20123456, 1681338456, 0xf0afd0e3, 1681338455n, 'ok'],
      [20000000, 1681338455, 0x20c327fc, 15050000n, 'ok'],
      [15050000, 0, 0xdce96c2d, 0n, 'ok'],
      [13773000, 0, 0xf0afd0e3, 0n, 'ok'],
      [20000000, 1681338455, 0xf0afd0e3, 0n, 'REMOTE_STALE'],
      [15050000, 0, plus(0xf0afd0e3), 0n, 'LOCAL_INCOMPATIBLE_OR_STALE'],
      [15050000, 0, plus(0xdce96c2d), 0n, 'LOCAL_INCOMPATIBLE_OR_STALE'],
      [888888888, 1660000000, 0xf0afd0e3, 1660000000n, 'LOCAL_INCOMPATIBLE_OR_STALE'],
      [19999999, 1667999999, 0xf0afd0e3, 1667999999n, 'LOCAL_INCOMPATIBLE_OR_STALE'],
      [20000000, 1681338455, 0xdce96c2d, 0n, 'ok'],
      [20000000, 1668000000, 0xdce96c2d, 1710338135n, 'ok'],
      [21123456, 1710338136, 0xdce96c2d, 1710338135n, 'ok'],
      [0, 0, 0x3edd5b10, 1710338135n, 'ok'],
      [21000000, 1700000000, 0x9f3d2254, 0n, 'ok'],
      [21000000, 1678000000, 0xc376cf8b, 0n, 'ok'],
      [21000000, 1710338135, 0xdce96c2d, 0n, 'REMOTE_STALE'],
      [20000000, 1668000000, plus(0x9f3d2254), 0n, 'LOCAL_INCOMPATIBLE_OR_STALE'],
      [20000000, 1681338455, 0x12345678, 0n, 'LOCAL_INCOMPATIBLE_OR_STALE'],
      [88888888, 8888888888, 0x07c9462e, 8888888888n, 'LOCAL_INCOMPATIBLE_OR_STALE'],
    ])
  })
})

describe('fork id encoding (EIP-2124 test cases)', () => {
  const cases: [number, bigint, string][] = [
    [0, 0n, 'c6840000000080'],
    [0xdeadbeef, 0xbaddcafen, 'ca84deadbeef84baddcafe'],
    [0xffffffff, U64_MAX, 'ce84ffffffff88ffffffffffffffff'],
  ]
  for (const [hash, next, hex] of cases)
    test(`${hex}`, () => {
      assert.equal(toHex(forkIdCodec.encode({ hash, next })), hex)
      assert.deepEqual(forkIdCodec.decode(fromHex(hex)), { hash, next })
    })

  test('rejects a 3-byte hash, a 9-byte next and extra elements', () => {
    for (const hex of ['c58300000080', 'cf84ffffffff89010000000000000000', 'c784000000008080'])
      assert.throws(() => forkIdCodec.decode(fromHex(hex)), CodecError)
  })
})
