/** Durations on the command line: `500ms`, `30s`, `5m`, `1h`, or a bare number of seconds. */
import { CliError } from './args.js'

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** Parse a duration into milliseconds; {@link CliError} naming `flag` when malformed. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  if (!m) throw new CliError(`--${flag} must be a duration like 30s, 5m or 500ms, got '${text}'`)
  return Math.round(Number(m[1]) * (UNITS[m[2] ?? 's'] as number))
}
