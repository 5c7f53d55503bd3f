// How many samples one run of a strategy spec may draw, computed from the validated spec, so that
// the server can refuse a request like `best-of-n` with `n: 1e9` before it allocates anything.
import { InvalidArgumentError } from '@metagen/core'

/**
 * Strategy options that count samples, branches or rounds: their product over the spec tree
 * (a nested `base` multiplies) bounds the generations of one run. `n` (samples of a vote,
 * best-of-n, MBR, ...), `references` (extra MBR samples), beam and search widths (`beams`, the
 * samples per step of step-beam and DVTS, whose `beamWidth` splits them rather than multiplying
 * them), `expansions` per node, MCTS `simulations`, DFS `maxExpansions`, diverse-beam `groups`,
 * refinement `maxRounds` and tool-loop `maxToolCalls`.
 */
export const sampleCountOptions: readonly string[] = [
  'n',
  'references',
  'beams',
  'beamWidth',
  'breadth',
  'width',
  'expansions',
  'simulations',
  'maxExpansions',
  'groups',
  'maxRounds',
  'maxToolCalls',
]

/**
 * The number of samples one run of `spec` may draw: the product of its sample-count options
 * (see {@link sampleCountOptions}) times that of its nested strategies (at least 1). `spec` must
 * have its defaults filled in (the registry's `validate`). Throws InvalidArgumentError naming the
 * option path (e.g. `metagen.strategy.base.n`) when one option alone, or the product, exceeds
 * `limit`.
 */
export function countStrategySamples(
  spec: unknown,
  limit: number,
  path = 'metagen.strategy',
): number {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return 1
  let samples = 1
  for (const [key, value] of Object.entries(spec as Record<string, unknown>)) {
    if (key === 'strategy') continue
    // step-beam / DVTS: `beams` samples per step are split over kept beams of width beamWidth
    if (key === 'beamWidth' && 'beams' in (spec as Record<string, unknown>)) continue
    if (typeof value === 'number' && sampleCountOptions.includes(key)) {
      if (value > limit) {
        throw new InvalidArgumentError({
          argument: `${path}.${key}`,
          expected: `at most ${limit} (this server's limit on the samples of one strategy run)`,
          received: value,
        })
      }
      samples *= Math.max(1, value)
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      if (typeof (value as { strategy?: unknown }).strategy === 'string') {
        samples *= countStrategySamples(value, limit, `${path}.${key}`)
      }
    }
    if (samples > limit) {
      throw new InvalidArgumentError({
        argument: path,
        expected: `a strategy that draws at most ${limit} samples per run (the product of ${sampleCountOptions.join(', ')} over the nested strategies; this server's limit)`,
        received: `${samples} or more samples`,
      })
    }
  }
  return samples
}
