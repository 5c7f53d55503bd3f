import { createDefaultStrategyRegistry } from '@metagen/orchestrator'
import { describe, expect, it } from 'vitest'
import {
  describeRange,
  fieldsFromSchema,
  parseFieldInput,
  specFromState,
  stateFromSpec,
} from './schema-form.js'

// The registry's real JSON Schemas, as GET /api/strategies serves them.
const registry = createDefaultStrategyRegistry()
const schemas = new Map(
  registry.definitions.map((definition) => [definition.name, registry.jsonSchema(definition.name)]),
)

describe('forms from strategy JSON Schemas', () => {
  it('turns every option into a field with its kind, default, range and help', () => {
    const fields = fieldsFromSchema(schemas.get('rebase')!)
    const width = fields.find((field) => field.key === 'width')!
    expect(width).toMatchObject({ kind: 'integer', default: 16, minimum: 1 })
    expect(width.maximum).toBeUndefined()
    expect(describeRange(width)).toBe('an integer >= 1')
    const balance = fields.find((field) => field.key === 'balanceTemperature')!
    expect(describeRange(balance)).toBe('a number > 0')
    const aggregate = fields.find((field) => field.key === 'aggregate')!
    expect(aggregate).toMatchObject({
      kind: 'enum',
      options: ['min', 'last', 'mean', 'product'],
      default: 'last',
    })
    expect(fields.find((field) => field.key === 'completeOnAnswer')?.kind).toBe('boolean')
    expect(fields.some((field) => field.key === 'strategy')).toBe(false)
    const base = fieldsFromSchema(schemas.get('self-consistency')!).find(
      (field) => field.key === 'base',
    )
    expect(base?.kind).toBe('strategy')
  })

  it('parses typed values and names the range of bad ones instead of clamping', () => {
    const width = fieldsFromSchema(schemas.get('rebase')!).find((field) => field.key === 'width')!
    expect(parseFieldInput(width, ' 8 ')).toEqual({ ok: true, value: 8 })
    expect(parseFieldInput(width, '')).toEqual({ ok: true, value: undefined })
    expect(parseFieldInput(width, '0')).toEqual({
      ok: false,
      error: 'width: expected an integer >= 1, got "0"',
    })
    expect(parseFieldInput(width, '2.5')).toMatchObject({ ok: false })
    expect(parseFieldInput(width, 'eight')).toMatchObject({ ok: false })
    const aggregate = fieldsFromSchema(schemas.get('rebase')!).find(
      (field) => field.key === 'aggregate',
    )!
    expect(parseFieldInput(aggregate, 'max')).toMatchObject({ ok: false })
  })

  it('goes from a nested spec to form state and back, and every spec it makes validates', () => {
    const spec = {
      strategy: 'self-consistency',
      n: 4,
      base: { strategy: 'step-beam', beamWidth: 2 },
    }
    const state = stateFromSpec(spec, schemas)
    expect(state.nested.base?.strategy).toBe('step-beam')
    expect(specFromState(state)).toEqual(spec)
    expect(registry.validate(specFromState(state))).toMatchObject(spec)
    expect(specFromState(stateFromSpec('rebase', schemas))).toEqual({ strategy: 'rebase' })
    expect(() => stateFromSpec({ strategy: 'rebase', widht: 3 }, schemas)).toThrow(
      /strategy\.widht: not an option of rebase/,
    )
    expect(() => stateFromSpec({ strategy: 'self-consistency', base: 'nope' }, schemas)).toThrow(
      /strategy\.base\.strategy: unknown strategy "nope"/,
    )
  })
})
