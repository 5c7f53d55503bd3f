// Walks the registry: for every strategy option with numeric bounds or a fixed set of values,
// the CLI flag parser (with the registry's validation), the JSON Schema of the spec, and the
// algorithm's own validation (the strategy built and run on the real tinymath models with the
// value injected past the registry) agree on the values at, just inside and just outside each
// bound. The values come from each option's schema, so a new option is covered automatically.
import {
  describeOptionSchema,
  InvalidArgumentError,
  type OptionInfo,
  type StrategyDefinition,
  type StrategySpec,
} from '@metagen/core'
import { formatPrompt, loadDevSet } from '@metagen/tinymath'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createDefaultStrategyRegistry,
  createStrategyEnvironment,
  run,
  specFromFlags,
  strategyJsonSchema,
  toKebabCase,
} from '../src/index.js'

const registry = createDefaultStrategyRegistry()
const ajv = new Ajv2020({ strict: false })

/** Small compute knobs so that each accepted value runs in milliseconds. */
const small: Record<string, number> = {
  n: 2,
  beams: 2,
  beamWidth: 2,
  expansions: 2,
  breadth: 2,
  simulations: 2,
  width: 2,
  maxRounds: 1,
  maxExpansions: 2,
  maxSteps: 2,
  maxToolCalls: 2,
}

/** Options that only take effect together with another one (mirostatEta needs mirostatTau). */
const companions: Record<string, Record<string, unknown>> = {
  mirostatEta: { mirostatTau: 5 },
}

interface Probe {
  value: unknown
  /** What the bound means for this value, for the failure message. */
  note: string
}

/** The values at, just inside and just outside each bound of an option (and off-grid integers). */
function probes(info: OptionInfo): Probe[] {
  if (info.choices && info.kind === 'string') {
    return [
      ...info.choices.map((choice) => ({ value: choice, note: 'a listed value' })),
      { value: 'not-a-listed-value', note: 'an unlisted value' },
    ]
  }
  if (info.kind !== 'number' && info.kind !== 'integer') return []
  const result: Probe[] = []
  const step = (bound: number) =>
    info.kind === 'integer' ? 1 : Math.max(1, Math.abs(bound)) * 1e-3
  const low = info.exclusiveMinimum ?? info.minimum
  const high = info.exclusiveMaximum ?? info.maximum
  if (low !== undefined) {
    result.push(
      { value: low, note: 'at the lower bound' },
      { value: low + step(low), note: 'just above the lower bound' },
      { value: low - step(low), note: 'just below the lower bound' },
    )
  }
  if (high !== undefined) {
    result.push(
      { value: high, note: 'at the upper bound' },
      { value: high - step(high), note: 'just below the upper bound' },
      { value: high + step(high), note: 'just above the upper bound' },
    )
  }
  if (info.kind === 'integer' && low !== undefined) {
    result.push({ value: low + 1.5, note: 'not an integer' })
  }
  return result
}

function acceptedByCli(definition: StrategyDefinition, key: string, value: unknown): boolean {
  try {
    const spec = specFromFlags(definition, { [toKebabCase(key)]: String(value) })
    registry.validate(spec)
    return true
  } catch (error) {
    if (error instanceof InvalidArgumentError) return false
    throw error
  }
}

function acceptedByJsonSchema(definition: StrategyDefinition, key: string, value: unknown) {
  const validate = ajv.compile(strategyJsonSchema(definition))
  return validate({ strategy: definition.name, [key]: value })
}

const problemPromise = loadDevSet().then((problems) => problems[0])

describe('strategy option boundaries: CLI, JSON Schema and algorithm agree', () => {
  const environment = createStrategyEnvironment({
    modelId: 'tinymath-draft',
    registry,
    maxTokens: 32,
  })
  afterAll(() => environment.close())

  /** Builds and runs the strategy with `value` injected after the registry filled the defaults. */
  async function acceptedByAlgorithm(
    definition: StrategyDefinition,
    key: string,
    value: unknown,
  ): Promise<boolean> {
    const defaults: StrategySpec = { strategy: definition.name }
    for (const [option, knob] of Object.entries(small)) {
      if (option !== key && Object.hasOwn(definition.schema.shape, option)) defaults[option] = knob
    }
    const options = { ...registry.validate({ ...defaults, ...companions[key] }), [key]: value }
    const view =
      definition.name === 'contrastive-decoding'
        ? environment.forModel('tinymath-generator')
        : environment
    const problem = await problemPromise
    try {
      const generator = await definition.build(options, view)
      await run(
        generator,
        { prompt: formatPrompt(problem?.question ?? '') },
        { seed: 1, budget: { outputTokens: 48 } },
      )
      return true
    } catch (error) {
      // Only an InvalidArgumentError is a rejection of the value; anything else (e.g. no
      // extractable answer from a few tokens of the draft model) means it was accepted.
      return !(error instanceof InvalidArgumentError)
    }
  }

  for (const definition of registry.definitions) {
    const cases = Object.entries(definition.schema.shape).flatMap(([key, schema]) =>
      probes(describeOptionSchema(schema)).map((probe) => ({ key, ...probe })),
    )
    if (cases.length === 0) continue
    it(`${definition.name}: ${cases.length} boundary values`, async () => {
      const disagreements: string[] = []
      for (const { key, value, note } of cases) {
        const json = acceptedByJsonSchema(definition, key, value)
        const cli = acceptedByCli(definition, key, value)
        const algorithm = await acceptedByAlgorithm(definition, key, value)
        if (json !== cli || json !== algorithm) {
          disagreements.push(
            `${key}=${JSON.stringify(value)} (${note}): JSON Schema ${json ? 'accepts' : 'rejects'}, CLI ${cli ? 'accepts' : 'rejects'}, algorithm ${algorithm ? 'accepts' : 'rejects'}`,
          )
        }
      }
      expect(disagreements).toEqual([])
    })
  }

  it('covers the options with bounds or listed values of every package', () => {
    const probed = registry.definitions.flatMap((definition) =>
      Object.entries(definition.schema.shape)
        .filter(([, schema]) => probes(describeOptionSchema(schema)).length > 0)
        .map(([key]) => `${definition.name}.${key}`),
    )
    expect(probed.length).toBeGreaterThan(100)
    expect(probed).toEqual(
      expect.arrayContaining([
        'sample.epsilon',
        'sample.eta',
        'adaptive-consistency.threshold',
        'best-of-n.n',
        'step-beam.beamWidth',
        'mcts.evaluation',
        'calculator.division',
      ]),
    )
  })

  it('rejects the values that used to pass the orchestrator and fail in the algorithm', () => {
    const sample = registry.get('sample')
    for (const [flag, value] of [
      ['epsilon', '1'],
      ['epsilon', '1.5'],
      ['eta', '1'],
    ] as const) {
      expect(() => registry.validate(specFromFlags(sample, { [flag]: value }))).toThrow(
        new RegExp(
          `strategy\\.${flag}: expected a number in \\[0, 1\\) \\(option ${flag} of strategy sample\\), received ${value.replace('.', '\\.')}\\.`,
        ),
      )
    }
    expect(() => registry.validate({ strategy: 'adaptive-consistency', threshold: 1 })).toThrow(
      /strategy\.threshold: expected a number in \[0, 1\) \(option threshold of strategy adaptive-consistency\)/,
    )
  })
})
