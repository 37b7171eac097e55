/**
 * Issue 8's proof against @ethereumjs/devp2p: `eth-p2p node --network devnet --discovery none` as
 * a process; an ethereumjs RLPx node running ETH 68 on the same chain (a custom Common describing
 * the devnet config) dials it, passes the Status handshake and stays connected past both sides'
 * 5 s Status deadlines; on SIGTERM it receives ClientQuitting and the process exits within 5 s.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type Common, createCustomCommon, Mainnet } from '@ethereumjs/common'
import { type Capabilities, DISCONNECT_REASON, type Peer as EjsPeer, ETH, RLPx } from '@ethereumjs/devp2p'
import { nodeIdFromPublicKey } from '../../src/crypto/nodeid.js'
import { generatePrivateKey, publicKey64 } from '../../src/crypto/secp256k1.js'
import { parseEnode } from '../../src/enr/enode.js'
import { computeForkId, devnet } from '../../src/protocols/eth/index.js'
import { equalBytes, toHex, utf8 } from '../../src/util/bytes.js'
import { runProcess } from '../helpers/process.js'

/** Past our eth handshake deadline and ethereumjs's Status timeout (both 5 s). */
const STAY_MS = 6_000

/** The devnet chain config as an @ethereumjs/common chain: every fork to Prague at genesis, Osaka later. */
function devnetCommon(): Common {
  const atGenesis = [
    'chainstart',
    'homestead',
    'tangerineWhistle',
    'spuriousDragon',
    'byzantium',
    'constantinople',
    'petersburg',
    'istanbul',
    'berlin',
    'london',
    'paris',
    'mergeNetsplitBlock',
  ].map((name) => ({ name, block: 0 }))
  const osaka = devnet.forks.find((f) => f.name === 'osaka')
  assert.ok(osaka && 'time' in osaka)
  const common = createCustomCommon(
    {
      name: devnet.name,
      chainId: Number(devnet.chainId),
      hardforks: [
        ...atGenesis,
        ...['shanghai', 'cancun', 'prague'].map((name) => ({ name, block: null, timestamp: 0 })),
        { name: 'osaka', block: null, timestamp: Number(osaka.time) },
      ],
    },
    Mainnet,
    { hardfork: 'prague' },
  )
  common.setForkHashes(devnet.genesisHash)
  return common
}

function within<T>(p: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let t: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(t))
}

describe('eth-p2p node with an @ethereumjs/devp2p peer', () => {
  test('ETH 68 on devnet: Status passes, the peer stays, SIGTERM sends it ClientQuitting, exit within 5 s', async (t) => {
    const common = devnetCommon()
    // Same fork id on both sides before any socket is opened.
    const ours = computeForkId(devnet, { number: 0n, time: devnet.genesisTime })
    assert.equal(common.forkHash('prague'), `0x${ours.hash.toString(16).padStart(8, '0')}`)
    assert.equal(common.nextHardforkBlockOrTimestamp('prague'), ours.next)

    const p = runProcess(['node', '--port', '0', '--discovery', 'none', '--network', 'devnet'])
    const key = generatePrivateKey()
    const rlpx = new RLPx(key, {
      capabilities: [ETH.eth68 as unknown as Capabilities],
      common,
      maxPeers: 5,
      clientId: utf8('ejs-node-e2e'),
    })
    rlpx.events.on('peer:error', () => {})
    try {
      rlpx.listen(0, '127.0.0.1')
      const ready = await p.waitFor((o) => o.event === 'ready')
      const target = parseEnode(ready.enode as string)

      const added = new Promise<EjsPeer>((r) => rlpx.events.once('peer:added', r))
      const removed = new Promise<{ reason: number; disconnectWe: boolean | null }>((r) =>
        rlpx.events.once('peer:removed', (_p: EjsPeer, reason: number, disconnectWe: boolean | null) =>
          r({ reason, disconnectWe }),
        ),
      )
      await within(rlpx.connect({ id: target.publicKey, address: '127.0.0.1', tcpPort: target.tcp }), 'dial')
      const peer = await within(added, 'their peer:added')
      const since = performance.now()
      const eth = peer.getProtocols()[0] as ETH
      const status = new Promise<{ genesisHash: Uint8Array; forkId: Uint8Array[] }>((r) => eth.events.once('status', r))
      eth.sendStatus({ td: new Uint8Array(0), bestHash: devnet.genesisHash, genesisHash: devnet.genesisHash })
      const theirView = await within(status, 'their status event')
      assert.ok(equalBytes(theirView.genesisHash, devnet.genesisHash))
      assert.equal(toHex(theirView.forkId[0] as Uint8Array), ours.hash.toString(16).padStart(8, '0'))

      const theirId = toHex(nodeIdFromPublicKey(publicKey64(key)))
      const line = await p.waitFor((o) => o.event === 'peer:added' && o.id === theirId)
      assert.equal(line.direction, 'inbound')
      assert.equal(line.clientId, 'ejs-node-e2e')
      assert.deepEqual(line.caps, ['eth/68'])

      // Still connected after both Status deadlines.
      const left = STAY_MS - (performance.now() - since)
      if (left > 0) await new Promise((r) => setTimeout(r, left))
      assert.equal(
        p.lines.some((o) => o.event === 'peer:removed'),
        false,
      )
      assert.equal(rlpx.getPeers().length, 1)

      const stopping = p.stop()
      const gone = await within(removed, 'their peer:removed')
      assert.deepEqual(gone, { reason: DISCONNECT_REASON.CLIENT_QUITTING, disconnectWe: false })
      const { code, ms } = await stopping
      assert.equal(code, 0, p.stderr())
      assert.ok(ms < 5000, `exit took ${ms} ms`)
      t.diagnostic(`process exit after SIGTERM: ${ms.toFixed(0)} ms`)
    } finally {
      rlpx.destroy()
      await p.stop()
    }
  })
})
