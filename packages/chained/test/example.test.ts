// Runs the example program on a few dev problems with the real model, so it cannot rot.
import { describe, expect, it } from 'vitest'
import { runChainedWithParallelExample } from '../examples/chained-with-parallel.js'

describe('examples/chained-with-parallel', () => {
  it('runs every composed generator and reports its cost', async () => {
    const lines: string[] = []
    const rows = await runChainedWithParallelExample({
      problems: 3,
      log: (line) => lines.push(line),
    })
    expect(rows.map((row) => row.name)).toEqual([
      'greedy',
      'majority-vote(chain-of-thought) n=8',
      'best-of-n(refine-with-verifier) n=4',
      'refine-with-verifier(calculator)',
    ])
    expect(lines).toHaveLength(4)
    for (const row of rows) {
      expect(row.total).toBe(3)
      expect(row.usage.calls).toBeGreaterThanOrEqual(3)
    }
    // Self-consistency samples 8 chains per problem.
    expect(rows[1]?.usage.calls).toBeGreaterThanOrEqual(24)
  })
})
