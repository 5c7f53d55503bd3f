import { scaleOption, scaleWidthTimesExpansions } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createDefaultStrategyRegistry } from './builtin-strategies.js'
import { findScalingKnob } from './scale.js'
import { createStrategyRegistry } from './strategy-registry.js'

const build = async () => {
  throw new Error('not built in this test')
}
const registry = createStrategyRegistry([
  { name: 'greedy', description: '', package: 't', schema: z.object({}), build },
  {
    name: 'best-of-n',
    description: '',
    package: 't',
    schema: z.object({ n: z.int().default(16) }),
    scaling: scaleOption('n'),
    build,
  },
])

describe('scaling knobs', () => {
  it('scales n, splits search budgets into width x expansions, and skips knob-less strategies', () => {
    expect(findScalingKnob(registry, 'greedy')).toBeUndefined()
    expect(findScalingKnob(registry, 'best-of-n')?.({ strategy: 'best-of-n', n: 16 }, 4)).toEqual({
      spec: { strategy: 'best-of-n', n: 4 },
      label: 'n=4',
    })
    const beam = scaleWidthTimesExpansions('beamWidth')
    expect(beam({ strategy: 'step-beam', expansions: 4 }, 1).spec).toMatchObject({
      beamWidth: 1,
      expansions: 1,
    })
    expect(beam({ strategy: 'step-beam', expansions: 4 }, 2).spec).toMatchObject({
      beamWidth: 1,
      expansions: 2,
    })
    expect(beam({ strategy: 'step-beam', expansions: 4 }, 16)).toEqual({
      spec: { strategy: 'step-beam', beamWidth: 4, expansions: 4 },
      label: 'N=16 (beamWidth 4 x 4)',
    })
  })

  it('takes each built-in knob from its strategy definition', () => {
    const builtin = createDefaultStrategyRegistry()
    const knobs = Object.fromEntries(
      builtin.definitions.map((definition) => [
        definition.name,
        definition.scaling?.({ strategy: definition.name }, 8).label,
      ]),
    )
    expect(knobs).toMatchObject({
      'step-beam': 'beams=8',
      dvts: 'beams=8',
      'tot-bfs': 'N=8 (breadth 2 x 4)',
      rebase: 'width=8',
      mcts: 'simulations=8',
      beam: 'beamWidth=8',
      'diverse-beam': 'beamWidth=8',
      'best-of-n': 'n=8',
      'self-consistency': 'n=8',
      'universal-self-consistency': 'n=8',
      greedy: undefined,
      sample: undefined,
      'tot-dfs': undefined,
    })
  })
})
