/** How long-running commands (`node`, `devnet`, `discv5 listen`) wait for Ctrl-C and stop in time. */

/** The process contract: after SIGINT/SIGTERM the process is gone within 5 s (DESIGN.md). */
export const STOP_DEADLINE_MS = 5_000

/** Resolve on the first SIGINT or SIGTERM, or after `ms` when given. */
export function untilSignal(ms?: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done)
      process.off('SIGTERM', done)
      if (t) clearTimeout(t)
      resolve()
    }
    const t = ms === undefined ? undefined : setTimeout(done, ms)
    process.on('SIGINT', done)
    process.on('SIGTERM', done)
  })
}

/** Run `stop`; if it has not finished within `ms`, call `onLate` and exit with code 1. */
export async function stopWithin(
  stop: () => Promise<unknown>,
  onLate: () => void = () => {},
  ms = STOP_DEADLINE_MS,
): Promise<void> {
  const deadline = setTimeout(() => {
    onLate()
    process.exit(1)
  }, ms)
  deadline.unref()
  try {
    await stop()
  } finally {
    clearTimeout(deadline)
  }
}
