// Longer fuzz runs than the test suite: `npm run fuzz [-- RUNS]`. Prints throughput and acceptance per decoder.
import { fuzzDecoder } from '../helpers/fuzz.js'
import { targets } from './decoders.js'

const runs = Number(process.argv[2] ?? 2_000_000)
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 0xffffffff)
console.log(`fuzzing ${targets.length} decoders, ${runs} inputs each, seed ${seed}`)
for (const t of targets) {
  const start = performance.now()
  const { accepted } = fuzzDecoder({ ...t, runs, seed })
  const s = (performance.now() - start) / 1000
  console.log(`${t.name.padEnd(18)} ${runs} inputs in ${s.toFixed(1)} s, ${accepted} accepted, no untyped error`)
}
