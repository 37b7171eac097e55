/**
 * The persistent node database (LevelDB via classic-level) under `--datadir`: the node key, the
 * local ENR sequence number (survives restarts and only grows), and every discovered node with its
 * record, last PONG and failures. Tables are seeded from it on start.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { generatePrivateKey, isValidPrivateKey } from '../crypto/secp256k1.js'
import { Enr } from '../enr/record.js'
import { asBytes, asInt, asList, decode, encode } from '../rlp/index.js'
import { bigintToBytes, bytesToBigint, toHex } from '../util/bytes.js'

/** Nodes unseen this long are expired. go-ethereum p2p/enode/nodedb.go dbNodeExpiration (24 h). */
export const NODE_EXPIRATION_MS = 24 * 60 * 60 * 1000
/** At most this many nodes seed a table on start. go-ethereum p2p/discover seedCount (30). */
export const SEED_COUNT = 30
/** Seeds must have answered within this window. go-ethereum p2p/discover seedMaxAge (5 days). */
export const SEED_MAX_AGE_MS = 5 * 24 * 60 * 60 * 1000

/** The database cannot be opened or read: message names the path and how to reset it. */
export class NodeDbError extends Error {
  override name = 'NodeDbError'
}

/** What the database remembers of a remote node. */
export interface NodeRecord {
  enr: Enr
  /** Wall-clock ms of the last PONG (0 if never). */
  lastPong: number
  /** Wall-clock ms the node was last seen in any way. */
  lastSeen: number
  /** Consecutive failures (findnode, dial). */
  failures: number
}

const KEY = 'local:key'
const SEQ = 'local:seq'
const NODE = 'node:'

export class NodeDb {
  private constructor(
    private readonly db: ClassicLevel<string, Uint8Array>,
    /** Directory of the database. */
    readonly path: string,
  ) {}

  /** Open (or create) the database in `<datadir>/nodes`. Throws {@link NodeDbError}. */
  static async open(datadir: string): Promise<NodeDb> {
    const path = join(datadir, 'nodes')
    try {
      mkdirSync(datadir, { recursive: true })
    } catch (e) {
      throw new NodeDbError(`cannot create datadir ${datadir}: ${(e as NodeJS.ErrnoException).code ?? e}`)
    }
    const db = new ClassicLevel<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' })
    try {
      await db.open()
    } catch (e) {
      const cause = (e as { cause?: Error }).cause?.message ?? (e as Error).message
      const hint = /lock/i.test(cause)
        ? 'another eth-p2p process is using it; stop that process or choose another --datadir'
        : `it may be corrupt; to reset it, stop the node and delete ${path} (the node key is in it too)`
      throw new NodeDbError(`cannot open node database ${path}: ${cause}; ${hint}`)
    }
    return new NodeDb(db, path)
  }

  /** The stored node key, or a new one stored now. */
  async loadOrCreateKey(): Promise<Uint8Array> {
    const have = await this.db.get(KEY)
    if (have !== undefined) {
      if (!isValidPrivateKey(have))
        throw new NodeDbError(`node key in ${this.path} is invalid; delete ${this.path} to reset`)
      return new Uint8Array(have)
    }
    const key = generatePrivateKey()
    await this.db.put(KEY, key)
    return key
  }

  /** Store a key given on the command line, so the datadir keeps the identity. */
  async storeKey(key: Uint8Array): Promise<void> {
    await this.db.put(KEY, key)
  }

  /** The last local ENR sequence number (0 if none). */
  async localSeq(): Promise<bigint> {
    const v = await this.db.get(SEQ)
    return v === undefined ? 0n : bytesToBigint(v)
  }

  /** Record the local ENR sequence number; it never goes down. */
  async setLocalSeq(seq: bigint): Promise<void> {
    if (seq > (await this.localSeq())) await this.db.put(SEQ, bigintToBytes(seq))
  }

  /** Insert or update a node. `update` fields left out keep their stored values. */
  async putNode(enr: Enr, update: Partial<Omit<NodeRecord, 'enr'>>, now: number): Promise<void> {
    const old = await this.getNode(enr.nodeId)
    const keep = old && old.enr.seq > enr.seq ? old.enr : enr
    const rec: NodeRecord = {
      enr: keep,
      lastPong: update.lastPong ?? old?.lastPong ?? 0,
      lastSeen: update.lastSeen ?? now,
      failures: update.failures ?? old?.failures ?? 0,
    }
    await this.db.put(NODE + toHex(enr.nodeId), encode([rec.enr.encode(), rec.lastPong, rec.lastSeen, rec.failures]))
  }

  async getNode(id: Uint8Array): Promise<NodeRecord | undefined> {
    const v = await this.db.get(NODE + toHex(id))
    return v === undefined ? undefined : decodeNode(v)
  }

  /** Up to `max` nodes that answered a PING within `maxAgeMs`, most recent first. */
  async seedNodes(now: number, max = SEED_COUNT, maxAgeMs = SEED_MAX_AGE_MS): Promise<NodeRecord[]> {
    const out: NodeRecord[] = []
    for await (const [, v] of this.db.iterator({ gte: NODE, lt: `${NODE}~` })) {
      const rec = decodeNode(v)
      if (rec && rec.lastPong > 0 && now - rec.lastPong <= maxAgeMs) out.push(rec)
    }
    out.sort((a, b) => b.lastPong - a.lastPong)
    return out.slice(0, max)
  }

  /** Delete nodes not seen for {@link NODE_EXPIRATION_MS}. Returns how many went. */
  async expire(now: number, maxAgeMs = NODE_EXPIRATION_MS): Promise<number> {
    const dead: string[] = []
    for await (const [k, v] of this.db.iterator({ gte: NODE, lt: `${NODE}~` })) {
      const rec = decodeNode(v)
      if (!rec || now - rec.lastSeen > maxAgeMs) dead.push(k)
    }
    if (dead.length) await this.db.batch(dead.map((key) => ({ type: 'del' as const, key })))
    return dead.length
  }

  async close(): Promise<void> {
    await this.db.close()
  }
}

/** Decode a stored node; a damaged entry reads as absent (and is expired later). */
function decodeNode(v: Uint8Array): NodeRecord | undefined {
  try {
    const l = asList(decode(v), 'node entry', 4)
    return {
      enr: Enr.decode(asBytes(l[0])),
      lastPong: asInt(l[1]),
      lastSeen: asInt(l[2]),
      failures: asInt(l[3]),
    }
  } catch {
    return undefined
  }
}
