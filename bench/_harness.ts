/** A small benchmark harness: time a function, and print ours beside theirs as a ratio. */

/** Operations per second of `fn`, after a warm-up, over about `ms` milliseconds (best of 3 rounds). */
export function opsPerSecond(fn: () => void, ms = 400): number {
  for (let i = 0; i < 5; i++) fn()
  let best = 0
  for (let round = 0; round < 3; round++) {
    let n = 0
    const start = performance.now()
    let elapsed = 0
    while (elapsed < ms / 3) {
      fn()
      n++
      elapsed = performance.now() - start
    }
    best = Math.max(best, (n * 1000) / elapsed)
  }
  return best
}

export async function opsPerSecondAsync(fn: () => Promise<void>, ms = 1000): Promise<number> {
  await fn()
  let n = 0
  const start = performance.now()
  while (performance.now() - start < ms) {
    await fn()
    n++
  }
  return (n * 1000) / (performance.now() - start)
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toPrecision(3))

/** One row: what, our figure, their figure (optional), unit; prints the ratio ours/theirs. */
export function row(what: string, ours: number, theirs: number | undefined, unit: string, theirName = 'anchor'): void {
  const ratio = theirs ? `${(ours / theirs).toFixed(2)}x ${theirName}` : ''
  console.log(
    `${what.padEnd(44)} ours ${fmt(ours).padStart(9)} ${unit.padEnd(8)} ${theirs ? `${theirName} ${fmt(theirs).padStart(9)}` : ''.padEnd(20)}  ${ratio}`,
  )
}

/** Seconds a network runs on between the forced GCs of {@link settle} and the memory reading. */
export const SETTLE_SECONDS = 15

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))
const collect = () => (globalThis as { gc?: () => void }).gc?.()

/**
 * Give V8 the chance to give back what a join storm made it commit, with the network still
 * running: three forced GCs 1 s apart (needs --expose-gc), `seconds` of running, a GC, then 2 s
 * (freed pages are unmapped by a background task). Read `process.memoryUsage()` after it.
 */
export async function settle(seconds = SETTLE_SECONDS): Promise<void> {
  for (let i = 0; i < 3; i++) {
    collect()
    await pause(1000)
  }
  await pause(seconds * 1000)
  collect()
  await pause(2000)
}
