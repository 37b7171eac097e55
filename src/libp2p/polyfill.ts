/**
 * js-libp2p 3 and its modules call `Promise.withResolvers` (ES2024), which Node 20 lacks (it
 * arrived in V8 12.2 / Node 22). This installs the standard behaviour when it is missing, and
 * does nothing on a runtime that has it. Imported for its effect, first, by ./index.ts and by
 * every module here that loads a libp2p package (node, eth2, enr, keys, gossip).
 * @module
 */

interface Resolvers<T> {
  promise: Promise<T>
  resolve: (value: T | PromiseLike<T>) => void
  reject: (reason?: unknown) => void
}

if (!('withResolvers' in Promise)) {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>(this: PromiseConstructor): Resolvers<T> {
      let resolve!: Resolvers<T>['resolve']
      let reject!: Resolvers<T>['reject']
      const promise = new this<T>((res, rej) => {
        resolve = res
        reject = rej
      })
      return { promise, resolve, reject }
    },
  })
}

/** True once `Promise.withResolvers` is available (always, after this module ran). */
export const hasWithResolvers = true
