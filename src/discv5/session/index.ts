/**
 * Discovery v5 sessions (layer 3, pure): handshakes, the session cache and request tracking.
 * Spec: devp2p discv5/discv5-theory.md#sessions.
 * @module
 */
export { peerKey } from './requests.js'
export { MAX_REQUEST_TIMEOUT_MS, RttEstimator } from './rtt.js'
export { Sessions } from './sessions.js'
export * from './types.js'
