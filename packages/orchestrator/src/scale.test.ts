import { describe, expect, it } from 'vitest'
import { findScalingKnob, scalingKnobs } from './scale.js'
import type { StrategyDefinition } from './strategy.js'
import { createStrategyRegistry } from './strategy-registry.js'

const build = async () => {
  throw new Error('not built in this test')
}
const registry = createStrategyRegistry([
  { name: 'greedy', description: '', package: 't', options: {}, build },
  {
    name: 'best-of-n',
    description: '',
    package: 't',
    options: { n: { type: 'integer', description: '', default: 16 } },
    build,
  },
  { name: 'step-beam', description: '', package: 't', options: {}, build },
] as StrategyDefinition[])

describe('scaling knobs', () => {
  it('scales n, splits search budgets into width x expansions, and skips knob-less strategies', () => {
    expect(findScalingKnob(registry, 'greedy')).toBeUndefined()
    expect(findScalingKnob(registry, 'best-of-n')?.({ strategy: 'best-of-n', n: 16 }, 4)).toEqual({
      spec: { strategy: 'best-of-n', n: 4 },
      label: 'n=4',
    })
    const beam = scalingKnobs['step-beam']
    expect(beam?.({ strategy: 'step-beam', expansions: 4 }, 1).spec).toMatchObject({
      beamWidth: 1,
      expansions: 1,
    })
    expect(beam?.({ strategy: 'step-beam', expansions: 4 }, 2).spec).toMatchObject({
      beamWidth: 1,
      expansions: 2,
    })
    expect(beam?.({ strategy: 'step-beam', expansions: 4 }, 16)).toEqual({
      spec: { strategy: 'step-beam', beamWidth: 4, expansions: 4 },
      label: 'N=16 (beamWidth 4 x 4)',
    })
  })
})
