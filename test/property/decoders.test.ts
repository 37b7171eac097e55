// Every decoder of untrusted bytes meets 100,000 random and mutated inputs; only typed errors may come out.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { targets } from '../fuzz/decoders.js'
import { fuzzDecoder } from '../helpers/fuzz.js'

const RUNS = 100_000

describe('decoders reject hostile input with typed errors only', () => {
  for (const [i, t] of targets.entries()) {
    test(`${t.name}: ${RUNS} random and mutated inputs`, () => {
      const { accepted } = fuzzDecoder({ ...t, runs: RUNS, seed: 0x5eed + i })
      // Some mutations stay valid (e.g. a flipped bit in an RLP payload); most must be refused.
      assert.ok(accepted < RUNS, 'every input was accepted: the decoder is not checking anything')
    })
  }
})
