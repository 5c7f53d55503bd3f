import { createDefaultStrategyRegistry } from '@metagen/orchestrator'
import { describe, expect, it } from 'vitest'
import { countStrategySamples } from './strategy-samples.js'

const registry = createDefaultStrategyRegistry()

describe('countStrategySamples', () => {
  it('multiplies the sample counts over nested strategies, defaults included', () => {
    expect(countStrategySamples(registry.validate({ strategy: 'greedy' }), 128)).toBe(1)
    expect(countStrategySamples(registry.validate({ strategy: 'best-of-n' }), 128)).toBe(16)
    expect(
      countStrategySamples(
        registry.validate({
          strategy: 'weighted-vote',
          n: 4,
          base: { strategy: 'best-of-n', n: 3 },
        }),
        128,
      ),
    ).toBe(12)
    expect(
      countStrategySamples(
        registry.validate({ strategy: 'step-beam', beams: 6, beamWidth: 3 }),
        128,
      ),
    ).toBe(6)
  })

  it('names the option or the strategy beyond the limit', () => {
    expect(() =>
      countStrategySamples(registry.validate({ strategy: 'best-of-n', n: 1e9 }), 128),
    ).toThrow(/metagen\.strategy\.n: expected at most 128/)
    expect(() =>
      countStrategySamples(
        registry.validate({
          strategy: 'weighted-vote',
          n: 20,
          base: { strategy: 'best-of-n', n: 20 },
        }),
        128,
      ),
    ).toThrow(
      /Invalid argument metagen\.strategy: expected a strategy that draws at most 128 samples/,
    )
  })
})
