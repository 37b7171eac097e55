/**
 * Protocol definitions as plain typed values (STYLE.md item 12): a message table, request/response
 * pairs, an optional handshake, per-peer and per-node state factories and a disconnect hook.
 * There is no registry: a node is handed the list of definitions it runs.
 * @module
 */
import type { Codec } from './codec.js'
import type { RequestIdScheme } from './ids.js'

/**
 * Largest message accepted unless a protocol says otherwise. devp2p caps/eth.md "Basic
 * Operation": practical limits are "typically 10 MiB"; go-ethereum eth/protocol.go maxMessageSize.
 */
export const DEFAULT_MAX_MESSAGE_SIZE = 10 * 1024 * 1024
/** Request timeout unless the request or the call says otherwise. nim-eth rlpx defaultReqTimeout. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000
/** Handshake deadline unless the protocol says otherwise. go-ethereum eth/handshake.go handshakeTimeout. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5_000

/** A one-way message. `name` is filled in by {@link defineProtocol} from its key. */
export interface MessageSpec<T> {
  readonly kind: 'message'
  readonly code: number
  readonly codec: Codec<T>
  /** Per-message size limit in bytes (the protocol's `maxMessageSize` applies otherwise). */
  readonly maxSize?: number
  readonly name: string
}

/** The response half of a {@link RequestSpec}. */
export interface ResponseSpec<T> {
  readonly code: number
  readonly codec: Codec<T>
  readonly maxSize?: number
}

/** A request and the response that answers it. */
export interface RequestSpec<Req, Res> {
  readonly kind: 'request'
  readonly code: number
  readonly codec: Codec<Req>
  readonly response: ResponseSpec<Res>
  /** Default timeout for this request (else the protocol's, else {@link DEFAULT_REQUEST_TIMEOUT_MS}). */
  readonly timeoutMs?: number
  readonly maxSize?: number
  readonly name: string
}

/** Declare a one-way message. */
export function message<T>(code: number, codec: Codec<T>, opts: { maxSize?: number } = {}): MessageSpec<T> {
  return { kind: 'message', code, codec, name: '', ...opts }
}

/** Declare a request with code `code` answered by the message `opts.response`. */
export function request<Req, Res>(
  code: number,
  codec: Codec<Req>,
  opts: { response: number; codec: Codec<Res>; timeoutMs?: number; maxSize?: number; responseMaxSize?: number },
): RequestSpec<Req, Res> {
  const response: ResponseSpec<Res> = { code: opts.response, codec: opts.codec }
  if (opts.responseMaxSize !== undefined) Object.assign(response, { maxSize: opts.responseMaxSize })
  const spec: RequestSpec<Req, Res> = { kind: 'request', code, codec, response, name: '' }
  if (opts.timeoutMs !== undefined) Object.assign(spec, { timeoutMs: opts.timeoutMs })
  if (opts.maxSize !== undefined) Object.assign(spec, { maxSize: opts.maxSize })
  return spec
}

/** What a handshake step can do: exchange messages before any user handler sees the peer. */
export interface HandshakeContext<PS, NS> {
  /** Send a message of this protocol. */
  send<T>(spec: MessageSpec<T>, value: T): void
  /**
   * The next message from the peer, which must be `spec`; anything else fails the handshake.
   * Messages after it are kept and delivered to handlers once the handshake succeeds.
   */
  receive<T>(spec: MessageSpec<T>): Promise<T>
  /** Aborts at the deadline or when the connection closes. */
  readonly signal: AbortSignal
  readonly state: PS
  readonly nodeState: NS
}

/** An optional handshake, run when a peer connects. Throw `DisconnectError` to pick the reason. */
export interface HandshakeSpec<H, PS, NS> {
  /** Deadline for the whole step; default {@link DEFAULT_HANDSHAKE_TIMEOUT_MS}. */
  readonly timeoutMs?: number
  /** Disconnect reason for a failure other than a thrown DisconnectError; default SubprotocolError. */
  readonly failReason?: number
  /** Disconnect reason when the deadline passes; default `failReason`. */
  readonly timeoutReason?: number
  /** Messages only valid during the handshake (matched by code); one arriving later is a breach of protocol. */
  readonly exclusive?: readonly MessageSpec<unknown>[]
  run(ctx: HandshakeContext<PS, NS>): Promise<H>
}

/** What the disconnect hook learns. */
export interface DisconnectInfo<H, PS, NS> {
  readonly reason: number
  readonly remote: boolean
  /** The handshake result, when the handshake had completed. */
  readonly handshake: H | undefined
  readonly state: PS
  readonly nodeState: NS
}

/** Per-peer limits; any can be overridden per node (ProtocolHost) within the hard bounds. */
export interface PeerLimits {
  /** Own requests in flight to one peer (including FIFO slots owed to expired requests). */
  maxInFlight: number
  /** Peer's requests served at once (forced to 1 for FIFO protocols so answers keep order). */
  maxServing: number
  /** Peer's requests waiting to be served; beyond this they are dropped and counted. */
  maxServeQueue: number
}

/** Default {@link PeerLimits}. Chosen to exceed what eth/snap sync issues to one peer at once. */
export const DEFAULT_PEER_LIMITS: Readonly<PeerLimits> = { maxInFlight: 128, maxServing: 8, maxServeQueue: 64 }
/** Hard upper bound for any {@link PeerLimits} value, so a configuration cannot make them unbounded. */
export const MAX_PEER_LIMIT = 4096

/** A map of named messages. */
export type MessageMap = Record<string, MessageSpec<unknown>>
/** A map of named requests. */
export type RequestMap = Record<string, RequestSpec<unknown, unknown>>

/** What {@link defineProtocol} takes. */
export interface ProtocolInput<M extends MessageMap, R extends RequestMap, H, PS, NS, I> {
  readonly name: string
  readonly version: number
  /** Number of message codes the protocol reserves (RLPx capability length). */
  readonly length: number
  readonly messages?: M
  readonly requests?: R
  /** How request ids are framed; absent means responses are matched in FIFO order. */
  readonly requestIds?: RequestIdScheme
  readonly maxMessageSize?: number
  readonly requestTimeoutMs?: number
  readonly limits?: Partial<PeerLimits>
  readonly handshake?: HandshakeSpec<H, PS, NS>
  nodeState?(init: I): NS
  peerState?(nodeState: NS): PS
  onDisconnect?(info: DisconnectInfo<H, PS, NS>): void
}

/** One entry of a protocol's code table. */
export type TableEntry =
  | { kind: 'message'; spec: MessageSpec<unknown> }
  | { kind: 'request'; spec: RequestSpec<unknown, unknown> }
  | { kind: 'response'; spec: RequestSpec<unknown, unknown> }

/** A defined protocol: the input plus the names filled in and a code table. */
export interface Protocol<M extends MessageMap, R extends RequestMap, H, PS, NS, I>
  extends ProtocolInput<M, R, H, PS, NS, I> {
  readonly messages: M
  readonly requests: R
  readonly maxMessageSize: number
  readonly requestTimeoutMs: number
  /** `${name}/${version}`, e.g. `eth/68`. */
  readonly id: string
  /** Entry per relative code (undefined for unassigned codes). */
  readonly table: readonly (TableEntry | undefined)[]
  createNodeState(init: I): NS
  createPeerState(nodeState: NS): PS
}

/** Any protocol, for generic code. */
export type AnyProtocol = Protocol<MessageMap, RequestMap, unknown, unknown, unknown, unknown>

/** The handshake result type of a protocol. */
export type HandshakeOf<P> = P extends Protocol<MessageMap, RequestMap, infer H, unknown, unknown, unknown> ? H : never
/** The per-peer state type of a protocol. */
export type PeerStateOf<P> = P extends { createPeerState(ns: never): infer PS } ? PS : never
/** The per-node state type of a protocol. */
export type NodeStateOf<P> = P extends { createNodeState(init: never): infer NS } ? NS : never
/** The node-state init argument type of a protocol. */
export type InitOf<P> = P extends { createNodeState(init: infer I): unknown } ? I : never

function checkCode(p: { name: string; length: number }, used: Set<number>, code: number, what: string): void {
  if (!Number.isInteger(code) || code < 0 || code >= p.length)
    throw new RangeError(`${p.name}: ${what} code ${code} outside 0..${p.length - 1}`)
  if (used.has(code)) throw new RangeError(`${p.name}: ${what} reuses code ${code}`)
  used.add(code)
}

function named<S extends { name: string }>(spec: S, name: string): S {
  return Object.freeze({ ...spec, name })
}

/**
 * Define a protocol. Message value types, the handshake result and both state types are
 * inferred from the input, so call sites need no casts. Throws RangeError for a malformed table
 * (duplicate or out-of-range codes): that is a bug in the definition, found at load time.
 */
export function defineProtocol<
  const M extends MessageMap = Record<never, never>,
  const R extends RequestMap = Record<never, never>,
  H = undefined,
  PS = undefined,
  NS = undefined,
  I = undefined,
>(input: ProtocolInput<M, R, H, PS, NS, I>): Protocol<M, R, H, PS, NS, I> {
  if (!Number.isInteger(input.length) || input.length <= 0 || input.length > 0xffff)
    throw new RangeError(`${input.name}: bad length ${input.length}`)
  const used = new Set<number>()
  const table: (TableEntry | undefined)[] = new Array(input.length).fill(undefined)
  const messages: Record<string, MessageSpec<unknown>> = {}
  for (const [key, spec] of Object.entries(input.messages ?? {})) {
    checkCode(input, used, spec.code, key)
    const s = named(spec, key)
    messages[key] = s
    table[s.code] = { kind: 'message', spec: s }
  }
  const requests: Record<string, RequestSpec<unknown, unknown>> = {}
  for (const [key, spec] of Object.entries(input.requests ?? {})) {
    checkCode(input, used, spec.code, key)
    checkCode(input, used, spec.response.code, `${key} response`)
    const s = named(spec, key)
    requests[key] = s
    table[s.code] = { kind: 'request', spec: s }
    table[s.response.code] = { kind: 'response', spec: s }
  }
  const limits = { ...DEFAULT_PEER_LIMITS, ...input.limits }
  for (const [k, v] of Object.entries(limits))
    if (!Number.isInteger(v) || v < 1 || v > MAX_PEER_LIMIT) throw new RangeError(`${input.name}: bad limit ${k}=${v}`)
  const p = {
    ...input,
    limits,
    messages: messages as M,
    requests: requests as R,
    maxMessageSize: input.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
    requestTimeoutMs: input.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    id: `${input.name}/${input.version}`,
    table: Object.freeze(table),
    createNodeState: (init: I): NS => (input.nodeState ? input.nodeState(init) : (undefined as NS)),
    createPeerState: (ns: NS): PS => (input.peerState ? input.peerState(ns) : (undefined as PS)),
  }
  return Object.freeze(p)
}
