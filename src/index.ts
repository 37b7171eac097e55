/**
 * eth-p2p: Ethereum's peer-to-peer networking stack for Node.js.
 *
 * This is the one public entry point. Everything the `eth-p2p` CLI does goes through it.
 * @packageDocumentation
 */

export * from './crypto/index.js'
export { type Dashboard, serveDashboard } from './dashboard/server.js'
export { Devnet, type DevnetOptions, type DevnetStatus, type NodeStatus } from './devnet/devnet.js'
// Layer 2-4: Node Discovery v4 (codec, endpoint proofs, service)
export * as discv4 from './discv4/index.js'
export { Discv4Error, type Discv4Node, Discv4Service } from './discv4/index.js'
// Layers 2-4: Node Discovery v5 (wire codec, session state machine, service)
export * as discv5 from './discv5/index.js'
export { Discv5Error, type Discv5Node, Discv5Service, type PongInfo as Discv5Pong } from './discv5/index.js'
export * from './enr/index.js'
// Layer 3: Kademlia routing table, revalidation and lookups shared by discv4 and discv5
export * as kademlia from './kademlia/index.js'
export {
  type KadNode,
  Lookup,
  type LookupStep,
  lookupDistances,
  RoutingTable,
  type RoutingTableOptions,
  runLookup,
  type TableEvent,
} from './kademlia/index.js'
// Layer 4: the Eth2-style transport (js-libp2p, req/resp streams, gossip, discovery loop)
export * as libp2p from './libp2p/index.js'
export {
  createEth2Node,
  type DiscoverySource,
  Eth2Node,
  type Eth2NodeOptions,
  Libp2pNode,
  type Libp2pNodeOptions,
  type ProtocolBinding,
} from './libp2p/index.js'
export { type MetricsServer, serveMetrics } from './metrics/http.js'
export { type Counter, type Gauge, type Metrics, MetricsRegistry, noopMetrics } from './metrics/registry.js'
export { type NodeRef, nodeRefOf, parseNodeList, parseNodeRef } from './node/bootnodes.js'
export { BOOTNODES } from './node/bootnodes-data.js'
// Layer 6: the node
export { createNode, type DiscoveryProtocol, defaultEthProtocols, EthP2pNode, type NodeOptions } from './node/node.js'
// Layer 5: the protocol framework, and eth/68, eth/69 and snap/1 defined on it
export * as protocol from './protocol/index.js'
export {
  AbortedError,
  type Codec,
  CodecError,
  DisconnectError,
  DisconnectedError,
  defineProtocol,
  emptyCodec,
  envelopeIds,
  flatIds,
  HandshakeError,
  InFlightLimitError,
  MemoryConnection,
  memoryPair,
  message,
  PeerError,
  type ProtocolConnection,
  ProtocolHost,
  ProtocolPeer,
  request,
  rlpCodec,
  textCodec,
  uint64Codec,
} from './protocol/index.js'
export * as eth from './protocols/eth/index.js'
export {
  type ChainConfig,
  chains,
  devnet,
  eth68,
  eth69,
  holesky,
  hoodi,
  mainnet,
  sepolia,
} from './protocols/eth/index.js'
export * as snap from './protocols/snap/index.js'
export { snap1 } from './protocols/snap/index.js'
// Layer 1: identity and encodings
export * as rlp from './rlp/index.js'
export { RlpError, type RlpInput, type RlpItem } from './rlp/index.js'
// Layers 2-4: RLPx transport and the devp2p base protocol (handshake, frames, connection, listener)
export * as rlpx from './rlpx/index.js'
export {
  type CloseInfo as RlpxCloseInfo,
  type DialTarget,
  RlpxConnection,
  RlpxError,
  RlpxListener,
  type RlpxMessage,
  type RlpxOptions,
} from './rlpx/index.js'
export { BACKOFF_BASE_MS, BACKOFF_MAX_MS, DialHistory, type FailureClass } from './server/backoff.js'
export { classifyFailure, classifyReason, Dialer, type DialerOptions } from './server/dialer.js'
export { fairMix } from './server/fairmix.js'
export { Netlist, NetlistError } from './server/netlist.js'
export { NodeDb, NodeDbError, type NodeRecord } from './server/nodedb.js'
export { Peer } from './server/peer.js'
export { type DialCandidate, type PeerRemovedEvent, Server, type ServerOptions } from './server/server.js'
export { MemoryNetwork } from './sim/network.js'
// Layer 4: datagram transports shared by discv4 and discv5
export { type DatagramTransport, demultiplex, type UdpAddress, UdpTransport } from './transport/udp.js'
export { bigintToBytes, bytesToBigint, concatBytes, equalBytes, fromHex, HexError, toHex } from './util/bytes.js'
// Shared plumbing that services accept
export { type Clock, systemClock, type Timer, VirtualClock } from './util/clock.js'
export { formatIp, isLan, isLoopback, normalizeIp, parseIp } from './util/ip.js'
export { createLogger, type Logger, type LogLevel, silentLogger } from './util/logger.js'
export { err, ok, type Result, unwrap } from './util/result.js'
