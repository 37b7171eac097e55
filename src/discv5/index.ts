/**
 * Node Discovery v5. Layers, bottom up:
 * - `wire/` (layer 2, pure): packet and message codecs, header masking, handshake cryptography.
 * - `session/` (layer 3, pure): handshakes, the session cache and request tracking, driven by
 *   `handle(input, now)`.
 * Spec: devp2p discv5/discv5.md.
 * @module
 */
export * from './session/index.js'
export * from './wire/index.js'
