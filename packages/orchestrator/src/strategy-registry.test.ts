import { InvalidArgumentError } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import type { StrategyDefinition } from './strategy.js'
import { createStrategyRegistry, describeOptionRange } from './strategy-registry.js'

const generator = {
  name: 'fake',
  run: async () => ({ output: { text: '' }, usage: { inputTokens: 0, outputTokens: 0, calls: 0 } }),
}

const definitions: StrategyDefinition[] = [
  {
    name: 'vote',
    description: 'test vote',
    package: 'test',
    options: {
      n: { type: 'integer', description: 'samples', default: 16, minimum: 1 },
      temperature: { type: 'number', description: 'temperature', default: 1, minimum: 0 },
      topP: {
        type: 'number',
        description: 'top p',
        minimum: 0,
        minimumInclusive: false,
        maximum: 1,
      },
      rule: {
        type: 'string',
        description: 'rule',
        default: 'beta',
        choices: ['beta', 'dirichlet'],
      },
      early: { type: 'boolean', description: 'early', default: false },
      tags: { type: 'string[]', description: 'tags' },
      base: { type: 'strategy', description: 'nested' },
    },
    build: async () => generator,
  },
  {
    name: 'greedy',
    description: 'greedy',
    package: 'test',
    options: {},
    build: async () => generator,
  },
]

describe('createStrategyRegistry', () => {
  const registry = createStrategyRegistry(definitions)

  it('fills in defaults and keeps given options', () => {
    expect(registry.validate({ strategy: 'vote', n: 4 })).toEqual({
      strategy: 'vote',
      n: 4,
      temperature: 1,
      rule: 'beta',
      early: false,
    })
  })

  it('validates nested specs, accepting a bare strategy name', () => {
    expect(registry.validate({ strategy: 'vote', base: 'greedy' }).base).toEqual({
      strategy: 'greedy',
    })
    expect(() => registry.validate({ strategy: 'vote', base: { strategy: 'vote', n: 0 } })).toThrow(
      /strategy\.base\.n: expected an integer >= 1 \(option n of strategy vote\), received 0/,
    )
  })

  it('names the option, range and strategy of a bad value', () => {
    expect(() => registry.validate({ strategy: 'vote', n: 0 })).toThrow(InvalidArgumentError)
    expect(() => registry.validate({ strategy: 'vote', n: 1.5 })).toThrow(/an integer >= 1/)
    expect(() => registry.validate({ strategy: 'vote', temperature: -0.1 })).toThrow(
      /strategy\.temperature: expected a number >= 0 \(option temperature of strategy vote\)/,
    )
    expect(() => registry.validate({ strategy: 'vote', topP: 0 })).toThrow(/a number > 0 and <= 1/)
    expect(() => registry.validate({ strategy: 'vote', topP: 1.5 })).toThrow(
      /a number > 0 and <= 1/,
    )
    expect(() => registry.validate({ strategy: 'vote', rule: 'x' })).toThrow(
      /one of beta, dirichlet/,
    )
    expect(() => registry.validate({ strategy: 'vote', early: 'yes' })).toThrow(/true or false/)
    expect(() => registry.validate({ strategy: 'vote', tags: [1] })).toThrow(/a list of strings/)
    expect(() => registry.validate({ strategy: 'vote', n: '4' })).toThrow(/received "4"/)
  })

  it('rejects unknown options, listing the allowed ones', () => {
    expect(() => registry.validate({ strategy: 'vote', beamWidth: 4 })).toThrow(
      /strategy\.beamWidth: expected an option of strategy vote \(n, temperature, topP, rule, early, tags, base\)/,
    )
    expect(() => registry.validate({ strategy: 'greedy', n: 2 })).toThrow(/it has no options/)
  })

  it('rejects unknown strategies and malformed specs', () => {
    expect(() => registry.validate({ strategy: 'nope' })).toThrow(/one of vote, greedy/)
    expect(() => registry.get('nope')).toThrow(/one of vote, greedy/)
    expect(() => registry.validate(42)).toThrow(/a strategy spec/)
    expect(() => registry.validate({ n: 3 })).toThrow(
      /strategy\.strategy: expected a strategy name/,
    )
  })

  it('refuses duplicate and badly named definitions', () => {
    expect(() =>
      createStrategyRegistry([...definitions, definitions[1] as StrategyDefinition]),
    ).toThrow(/unique strategy names/)
    expect(() =>
      createStrategyRegistry([{ ...(definitions[1] as StrategyDefinition), name: 'Bad_Name' }]),
    ).toThrow(/kebab-case/)
  })

  it('builds validated specs', async () => {
    const seen: unknown[] = []
    const local = createStrategyRegistry([
      {
        ...(definitions[0] as StrategyDefinition),
        build: async (spec) => {
          seen.push(spec)
          return generator
        },
      },
    ])
    await local.build({ strategy: 'vote', n: 2 }, {} as never)
    expect(seen).toEqual([{ strategy: 'vote', n: 2, temperature: 1, rule: 'beta', early: false }])
  })

  it('describes ranges', () => {
    expect(describeOptionRange({ type: 'integer', description: '', minimum: 0 })).toBe(
      'an integer >= 0',
    )
    expect(describeOptionRange({ type: 'number', description: '' })).toBe('a number')
  })
})
