import { nestedStrategySchema, type StrategyDefinition } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  convertFlagValue,
  readIntegerFlag,
  specFromFlags,
  strategyFlagConfig,
  toCamelCase,
  toKebabCase,
} from './strategy-flags.js'

const definition: StrategyDefinition = {
  name: 'step-beam',
  description: 'test',
  package: 'test',
  schema: z.object({
    beamWidth: z.int().min(1).default(4).describe('width'),
    temperature: z.number().optional().describe('temperature'),
    scorer: z.string().optional().describe('scorer'),
    completeOnAnswer: z.boolean().optional().describe('complete'),
    tags: z.array(z.string()).optional().describe('tags'),
    base: nestedStrategySchema().optional().describe('nested'),
  }),
  build: async () => {
    throw new Error('not built in this test')
  },
}

describe('strategy flags', () => {
  it('maps camelCase options to kebab-case flags and back', () => {
    expect(toKebabCase('beamWidth')).toBe('beam-width')
    expect(toCamelCase('beam-width')).toBe('beamWidth')
    expect(toCamelCase('no-repeat-ngram-size')).toBe('noRepeatNgramSize')
    expect(strategyFlagConfig(definition)).toEqual({
      'beam-width': { type: 'string' },
      temperature: { type: 'string' },
      scorer: { type: 'string' },
      'complete-on-answer': { type: 'boolean' },
      tags: { type: 'string' },
      base: { type: 'string' },
    })
  })

  it('converts values to the option types', () => {
    expect(
      specFromFlags(definition, {
        'beam-width': '8',
        temperature: '0.5',
        scorer: 'verifier',
        'complete-on-answer': true,
        tags: 'a, b',
        base: '{"strategy":"greedy"}',
      }),
    ).toEqual({
      strategy: 'step-beam',
      beamWidth: 8,
      temperature: 0.5,
      scorer: 'verifier',
      completeOnAnswer: true,
      tags: ['a', 'b'],
      base: { strategy: 'greedy' },
    })
    expect(convertFlagValue('base', { kind: 'strategy' }, 'greedy')).toBe('greedy')
  })

  it('keeps the base spec and lets flags override it', () => {
    expect(
      specFromFlags(
        definition,
        { 'beam-width': '2' },
        { strategy: 'step-beam', beamWidth: 4, scorer: 'x' },
      ),
    ).toEqual({
      strategy: 'step-beam',
      beamWidth: 2,
      scorer: 'x',
    })
  })

  it('rejects unknown flags and non-numbers, naming the flag', () => {
    expect(() => specFromFlags(definition, { n: '16' })).toThrow(
      /--n: expected a flag of strategy step-beam \(--beam-width, --temperature, --scorer, --complete-on-answer, --tags, --base\)/,
    )
    expect(() => specFromFlags(definition, { 'beam-width': 'four' })).toThrow(
      /--beam-width: expected an integer, received "four"/,
    )
    expect(() => specFromFlags(definition, { temperature: '' })).toThrow(
      /--temperature: expected a number/,
    )
  })
})

describe('readIntegerFlag', () => {
  it('reads an integer in range, is undefined when absent, and names the flag otherwise', () => {
    expect(readIntegerFlag({ port: '8080' }, 'port', 0, 65535)).toBe(8080)
    expect(readIntegerFlag({}, 'port', 0, 65535)).toBeUndefined()
    expect(() => readIntegerFlag({ port: '65536' }, 'port', 0, 65535)).toThrow(
      /--port.*an integer in \[0, 65535\]/,
    )
    expect(() => readIntegerFlag({ n: '1.5' }, 'n', 1)).toThrow(/--n.*an integer >= 1/)
    expect(() => readIntegerFlag({ n: '' }, 'n', 1)).toThrow(/--n/)
  })
})
