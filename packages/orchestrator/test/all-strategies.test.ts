// Integration: every registered strategy builds from its defaults (with small compute knobs)
// and solves one dev problem on the real tinymath-draft model.
import { formatPrompt, loadDevSet } from '@metagen/tinymath'
import { afterAll, describe, expect, it } from 'vitest'
import { createDefaultStrategyRegistry, createStrategyEnvironment, run } from '../src/index.js'

const registry = createDefaultStrategyRegistry()
const small: Record<string, number> = {
  n: 2,
  beams: 2,
  beamWidth: 2,
  expansions: 2,
  breadth: 2,
  simulations: 3,
  width: 2,
  maxRounds: 1,
  maxExpansions: 4,
  references: 0,
}

describe('every registered strategy on tinymath-draft', () => {
  const environment = createStrategyEnvironment({
    modelId: 'tinymath-draft',
    registry,
    maxTokens: 96,
  })
  afterAll(() => environment.close())

  it('has the strategies of every package', () => {
    const packages = new Set(registry.definitions.map((definition) => definition.package))
    expect([...packages].sort()).toEqual([
      '@metagen/chained',
      '@metagen/decoders',
      '@metagen/parallel',
      '@metagen/search',
    ])
    expect(registry.definitions.length).toBeGreaterThanOrEqual(25)
  })

  for (const definition of registry.definitions) {
    it(`${definition.name} runs and reports its usage`, async () => {
      const problem = (await loadDevSet())[1]
      const spec: Record<string, unknown> = { strategy: definition.name }
      for (const [option, value] of Object.entries(small)) {
        if (Object.hasOwn(definition.schema.shape, option)) spec[option] = value
      }
      // tinymath cannot follow the pairwise judging prompt (the tournament throws saying so):
      // it judges by likelihood.
      if (definition.name === 'tournament') spec.judgeBy = 'likelihood'
      // Contrastive decoding needs an expert other than its amateur (the draft).
      const view =
        definition.name === 'contrastive-decoding'
          ? environment.forModel('tinymath-generator')
          : environment
      const generator = await registry.build(spec, view)
      const result = await run(
        generator,
        { prompt: formatPrompt(problem?.question ?? '') },
        { seed: 5 },
      )
      expect(typeof result.output.text).toBe('string')
      expect(result.usage.outputTokens + result.usage.inputTokens).toBeGreaterThan(0)
    })
  }
})
