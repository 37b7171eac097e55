/** discv4's random-node iterator is the shared one of the routing-table layer. */
export {
  type LookupSource,
  MAX_ITERATOR_BUFFER,
  MIN_LOOKUP_INTERVAL_MS,
  RandomNodes,
} from '../kademlia/random-nodes.js'
