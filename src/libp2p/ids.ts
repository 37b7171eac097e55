/**
 * libp2p protocol ids for a protocol definition: one per request and per one-way message,
 * `<prefix>/<protocol>/<message>/<version>/<encoding>` (the consensus-layer req/resp form, e.g.
 * `/eth2/beacon_chain/req/status/1/ssz_snappy` with prefix `/eth2/beacon_chain/req` and protocol
 * `status`; here the protocol name is the definition's and the message name its key). Responses
 * travel on their request's stream and get no id.
 * @module
 */
import type { AnyProtocol } from '../protocol/index.js'
import { Libp2pNodeError } from './errors.js'

/**
 * Encoding suffixes. `rlp_snappy`: the definition's (RLP) codecs, snappy-framed; `ssz_snappy`:
 * the same framing for SSZ codecs (consensus-specs "Encoding strategies").
 */
export type StreamEncoding = 'rlp_snappy' | 'ssz_snappy'

/** Default encoding: the protocol framework's codecs are RLP. */
export const DEFAULT_ENCODING: StreamEncoding = 'rlp_snappy'

/** How a protocol definition is exposed on libp2p. */
export interface ProtocolIdOptions {
  /** Suffix naming the payload encoding. Default {@link DEFAULT_ENCODING}. */
  encoding?: StreamEncoding
  /** Path before `/<protocol>`, e.g. `/eth2/beacon_chain/req`; empty by default. */
  prefix?: string
}

/** The id table of one protocol. */
export interface ProtocolIdTable {
  /** Every id, in code order. */
  readonly ids: readonly string[]
  /** Id of a request or message code. */
  idOf(code: number): string | undefined
  /** Code of an id. */
  codeOf(id: string): number | undefined
}

const SEGMENT = /^[A-Za-z0-9_.-]+$/

function checkSegment(what: string, s: string): void {
  if (!SEGMENT.test(s)) throw new Libp2pNodeError('BAD_CONFIG', `${what} '${s}' is not a valid protocol id segment`)
}

/** Build the id table of `protocol`. Throws Libp2pNodeError BAD_CONFIG for names unusable in an id. */
export function protocolIds(protocol: AnyProtocol, opts: ProtocolIdOptions = {}): ProtocolIdTable {
  const encoding = opts.encoding ?? DEFAULT_ENCODING
  const prefix = opts.prefix ?? ''
  if (prefix !== '' && !/^(\/[A-Za-z0-9_.-]+)+$/.test(prefix))
    throw new Libp2pNodeError('BAD_CONFIG', `prefix '${prefix}' must look like /a/b`)
  checkSegment('protocol name', protocol.name)
  checkSegment('encoding', encoding)
  const byCode = new Map<number, string>()
  const byId = new Map<string, number>()
  protocol.table.forEach((entry, code) => {
    if (!entry || entry.kind === 'response') return
    checkSegment('message name', entry.spec.name)
    const id = `${prefix}/${protocol.name}/${entry.spec.name}/${protocol.version}/${encoding}`
    byCode.set(code, id)
    byId.set(id, code)
  })
  return {
    ids: [...byCode.values()],
    idOf: (code) => byCode.get(code),
    codeOf: (id) => byId.get(id),
  }
}
