/**
 * Chain configurations as data: what the eth Status handshake and the fork id need (network id,
 * genesis hash and time, fork blocks and timestamps). Figures from go-ethereum params/config.go
 * and core/genesis.go; the fork ids they produce are checked against EIP-2124 and go-ethereum's
 * core/forkid test vectors in test/unit/protocols/eth/forkid.test.ts.
 * @module
 */
import { keccak256 } from '../../crypto/index.js'
import { fromHex, utf8 } from '../../util/bytes.js'

/** A fork activated at a block number, or at a block timestamp (seconds). */
export type Fork = { readonly name: string; readonly block: bigint } | { readonly name: string; readonly time: bigint }

/** What eth needs to know about a chain. */
export interface ChainConfig {
  readonly name: string
  /** The eth Status network id (devp2p caps/eth.md "Status (0x00)"). */
  readonly networkId: bigint
  /** The EIP-155 chain id. */
  readonly chainId: bigint
  readonly genesisHash: Uint8Array
  /** Genesis block timestamp; time forks at or before it are not forks (EIP-2124). */
  readonly genesisTime: bigint
  /** Every fork, in any order; duplicates and genesis forks are allowed (the fork id skips them). */
  readonly forks: readonly Fork[]
}

const blockForks = (entries: [string, number][]): Fork[] => entries.map(([name, b]) => ({ name, block: BigInt(b) }))
const timeForks = (entries: [string, number][]): Fork[] => entries.map(([name, t]) => ({ name, time: BigInt(t) }))

/** Forks a post-London testnet had at genesis. */
const GENESIS_FORKS: [string, number][] = [
  ['homestead', 0],
  ['tangerineWhistle', 0],
  ['spuriousDragon', 0],
  ['byzantium', 0],
  ['constantinople', 0],
  ['petersburg', 0],
  ['istanbul', 0],
  ['berlin', 0],
  ['london', 0],
]

/** Ethereum mainnet. */
export const mainnet: ChainConfig = {
  name: 'mainnet',
  networkId: 1n,
  chainId: 1n,
  genesisHash: fromHex('d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3'),
  genesisTime: 0n,
  forks: [
    ...blockForks([
      ['homestead', 1_150_000],
      ['dao', 1_920_000],
      ['tangerineWhistle', 2_463_000],
      ['spuriousDragon', 2_675_000],
      ['byzantium', 4_370_000],
      ['constantinople', 7_280_000],
      ['petersburg', 7_280_000],
      ['istanbul', 9_069_000],
      ['muirGlacier', 9_200_000],
      ['berlin', 12_244_000],
      ['london', 12_965_000],
      ['arrowGlacier', 13_773_000],
      ['grayGlacier', 15_050_000],
    ]),
    ...timeForks([
      ['shanghai', 1681338455],
      ['cancun', 1710338135],
      ['prague', 1746612311],
      ['osaka', 1764798551],
      ['bpo1', 1765290071],
      ['bpo2', 1767747671],
    ]),
  ],
}

/** Sepolia testnet. */
export const sepolia: ChainConfig = {
  name: 'sepolia',
  networkId: 11155111n,
  chainId: 11155111n,
  genesisHash: fromHex('25a5cc106eea7138acab33231d7160d69cb777ee0c2c553fcddf5138993e6dd9'),
  genesisTime: 1633267481n,
  forks: [
    ...blockForks([...GENESIS_FORKS, ['muirGlacier', 0], ['mergeNetsplit', 1_735_371]]),
    ...timeForks([
      ['shanghai', 1677557088],
      ['cancun', 1706655072],
      ['prague', 1741159776],
      ['osaka', 1760427360],
      ['bpo1', 1761017184],
      ['bpo2', 1761607008],
    ]),
  ],
}

/** Holesky testnet. */
export const holesky: ChainConfig = {
  name: 'holesky',
  networkId: 17000n,
  chainId: 17000n,
  genesisHash: fromHex('b5f7f912443c940f21fd611f12828d75b534364ed9e95ca4e307729a4661bde4'),
  genesisTime: 1695902100n,
  forks: [
    ...blockForks(GENESIS_FORKS),
    ...timeForks([
      ['shanghai', 1696000704],
      ['cancun', 1707305664],
      ['prague', 1740434112],
      ['osaka', 1759308480],
      ['bpo1', 1759800000],
      ['bpo2', 1760389824],
    ]),
  ],
}

/** Hoodi testnet. */
export const hoodi: ChainConfig = {
  name: 'hoodi',
  networkId: 560048n,
  chainId: 560048n,
  genesisHash: fromHex('bbe312868b376a3001692a646dd2d7d1e4406380dfd86b98aa8a34d1557c971b'),
  genesisTime: 1742212800n,
  forks: [
    ...blockForks([...GENESIS_FORKS, ['muirGlacier', 0], ['mergeNetsplit', 0]]),
    ...timeForks([
      ['shanghai', 0],
      ['cancun', 0],
      ['prague', 1742999832],
      ['osaka', 1761677592],
      ['bpo1', 1762365720],
      ['bpo2', 1762955544],
    ]),
  ],
}

/**
 * A small local network for tests and the devnet: every fork up to Prague at genesis, and one
 * time fork (Osaka) at 2_000_000_000 so fork-id checks have a future fork to compare. The genesis
 * hash is keccak256("eth-p2p devnet"), which no real chain has.
 */
export const devnet: ChainConfig = {
  name: 'devnet',
  networkId: 1337n,
  chainId: 1337n,
  genesisHash: keccak256(utf8('eth-p2p devnet')),
  genesisTime: 0n,
  forks: [
    ...blockForks([...GENESIS_FORKS, ['mergeNetsplit', 0]]),
    ...timeForks([
      ['shanghai', 0],
      ['cancun', 0],
      ['prague', 0],
      ['osaka', 2_000_000_000],
    ]),
  ],
}

/** The built-in chains by name. */
export const chains: Readonly<Record<string, ChainConfig>> = { mainnet, sepolia, holesky, hoodi, devnet }
