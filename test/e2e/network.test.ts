// Issue 8's network proof: 20 nodes in one process and 3 `eth-p2p node` processes share one bootnode;
// within 30 s each has at least 5 peers; after the bootnode stops the others keep their peers and find new ones.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createNode, type EthP2pNode } from '../../src/node/node.js'
import { devnet } from '../../src/protocols/eth/index.js'
import { type CliProcess, runProcess } from '../helpers/process.js'

const base = { host: '127.0.0.1', tcpPort: 0, udpPort: 0, chain: devnet, maxPeers: 15 }
// 15 slots (5 dialled) among 24 nodes: the graph never saturates, so there is always someone new to find.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Waits until `done()` holds or `ms` pass; returns whether it held. */
async function until(done: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!done() && Date.now() < deadline) await sleep(250)
  return done()
}

/** The current peer ids of a node process, from its peer:added / peer:removed lines. */
function processPeers(p: CliProcess): Set<string> {
  const set = new Set<string>()
  for (const o of p.lines) {
    if (o.event === 'peer:added') set.add(o.id as string)
    if (o.event === 'peer:removed') set.delete(o.id as string)
  }
  return set
}

test('20 in-process nodes and 3 processes around one bootnode: 5 peers each in 30 s, and life after the bootnode', async () => {
  const nodes: EthP2pNode[] = []
  const procs: CliProcess[] = []
  const extra: EthP2pNode[] = []
  try {
    const boot = await createNode({ ...base, maxPeers: 50 })
    extra.push(boot)
    const bootnodes = [boot.enr.encodeText()]
    for (let i = 0; i < 20; i++) nodes.push(await createNode({ ...base, bootnodes }))
    for (let i = 0; i < 3; i++) {
      const args = ['node', '--port', '0', '--discport', '0', '--network', 'devnet', '--max-peers', '15']
      procs.push(runProcess([...args, '--bootnodes', bootnodes[0] as string]))
    }
    const readyIds: string[] = []
    for (const p of procs) readyIds.push((await p.waitFor((o) => o.event === 'ready', 15_000)).nodeId as string)
    const peerSets = (): Set<string>[] => [
      ...nodes.map((n) => new Set(n.peers.map((p) => p.idHex))),
      ...procs.map(processPeers),
    ]
    const everyone = (min: number) => peerSets().every((s) => s.size >= min)
    const sizes = () => peerSets().map((s) => s.size)

    assert.ok(await until(() => everyone(5), 30_000), `not every node has 5 peers within 30 s: ${sizes()}`)

    // The bootnode goes away. Everyone keeps the connections they had among themselves, and
    // they still find new nodes: a newcomer that knows only an ordinary node gets 5 peers.
    const bootId = boot.enr.nodeIdHex
    const selfIds = [...nodes.map((n) => n.enr.nodeIdHex), ...readyIds]
    const before = peerSets().map((s) => new Set([...s].filter((id) => id !== bootId)))
    await boot.stop()
    const newcomer = await createNode({ ...base, bootnodes: [(nodes[0] as EthP2pNode).enr.encodeText()] })
    extra.push(newcomer)
    assert.ok(await until(() => newcomer.peers.length >= 5, 30_000), `newcomer: ${newcomer.peers.length} peers`)

    // Five old nodes lose a peer they dialled: each uses the freed dial slot on a node it was
    // not connected to before (the newcomer or another), not on the one it just lost.
    const cut = new Map<EthP2pNode, string>()
    for (const n of nodes.slice(1, 20)) {
      if (cut.size === 5) break
      const victim = n.peers.find((p) => p.direction === 'outbound' && p.idHex !== newcomer.enr.nodeIdHex)
      if (!victim) continue
      cut.set(n, victim.idHex)
      await victim.disconnect()
    }
    assert.equal(cut.size, 5)
    const foundNew = (n: EthP2pNode) => {
      const old = before[nodes.indexOf(n)]
      return n.peers.some((p) => p.direction === 'outbound' && !old?.has(p.idHex))
    }
    assert.ok(
      await until(() => [...cut.keys()].every(foundNew), 30_000),
      `nodes that found a new peer: ${[...cut.keys()].filter(foundNew).length} of 5`,
    )
    const cutPairs = new Set([...cut].flatMap(([n, v]) => [`${n.enr.nodeIdHex}|${v}`, `${v}|${n.enr.nodeIdHex}`]))

    const after = peerSets()
    let kept = 0
    let had = 0
    for (const [i, set] of before.entries()) {
      for (const id of set) {
        if (cutPairs.has(`${selfIds[i]}|${id}`)) continue
        had++
        if (after[i]?.has(id)) kept++
      }
    }
    assert.ok(kept >= had * 0.95, `only ${kept} of ${had} connections survived the bootnode's departure`)
    assert.ok(everyone(5), `peers after the bootnode stopped: ${sizes()}`)
  } finally {
    await Promise.all([...nodes.map((n) => n.stop()), ...extra.map((n) => n.stop()), ...procs.map((p) => p.stop())])
  }
})
