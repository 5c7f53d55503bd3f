import {
  describeOptionRange,
  InvalidArgumentError,
  nestedStrategySchema,
  type StrategyDefinition,
} from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createStrategyRegistry, strategyJsonSchema } from './strategy-registry.js'

const generator = {
  name: 'fake',
  run: async () => ({ output: { text: '' }, usage: { inputTokens: 0, outputTokens: 0, calls: 0 } }),
}

const definitions: StrategyDefinition[] = [
  {
    name: 'vote',
    description: 'test vote',
    package: 'test',
    schema: z.object({
      n: z.int().min(1).default(16).describe('samples'),
      temperature: z.number().min(0).default(1).describe('temperature'),
      topP: z.number().gt(0).max(1).optional().describe('top p'),
      rule: z.enum(['beta', 'dirichlet']).default('beta').describe('rule'),
      early: z.boolean().default(false).describe('early'),
      tags: z.array(z.string()).optional().describe('tags'),
      base: nestedStrategySchema().optional().describe('nested'),
    }),
    build: async () => generator,
  },
  {
    name: 'greedy',
    description: 'greedy',
    package: 'test',
    schema: z.object({}),
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
    expect(() => registry.validate({ strategy: 'vote', topP: 0 })).toThrow(/a number in \(0, 1\]/)
    expect(() => registry.validate({ strategy: 'vote', topP: 1.5 })).toThrow(/a number in \(0, 1\]/)
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
    expect(describeOptionRange({ kind: 'integer', minimum: 0 })).toBe('an integer >= 0')
    expect(describeOptionRange({ kind: 'number' })).toBe('a finite number')
    expect(describeOptionRange({ kind: 'number', minimum: 0, exclusiveMaximum: 1 })).toBe(
      'a number in [0, 1)',
    )
  })

  it('treats null as an absent option (its default applies)', () => {
    expect(registry.validate({ strategy: 'vote', n: null })).toMatchObject({ n: 16 })
  })

  it('gives the JSON Schema of a spec', () => {
    const schema = strategyJsonSchema(definitions[0] as StrategyDefinition)
    expect(schema).toMatchObject({
      type: 'object',
      description: 'test vote',
      required: ['strategy'],
      additionalProperties: false,
      properties: {
        strategy: { const: 'vote' },
        n: { type: 'integer', minimum: 1, default: 16, description: 'samples' },
        topP: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        rule: { enum: ['beta', 'dirichlet'], default: 'beta' },
      },
    })
    expect(registry.jsonSchema('greedy')).toMatchObject({
      properties: { strategy: { const: 'greedy' } },
    })
  })
})
