import { describe, expect, it } from 'vitest'
import * as errorsModule from './errors.js'
import {
  AbortedError,
  ApiCallError,
  BudgetExhaustedError,
  hasErrorMarker,
  InvalidArgumentError,
  MetagenError,
  ModelLoadError,
  UnsupportedCapabilityError,
} from './errors.js'

type ErrorsModule = typeof import('./errors.js')

const examples = (errors: ErrorsModule) => ({
  MetagenError: new errors.MetagenError('base'),
  InvalidArgumentError: new errors.InvalidArgumentError({
    argument: 'topP',
    expected: 'a number in (0, 1]',
    received: 2,
  }),
  UnsupportedCapabilityError: new errors.UnsupportedCapabilityError({
    capability: 'logprobs',
    message: 'no logprobs',
  }),
  BudgetExhaustedError: new errors.BudgetExhaustedError({ limit: 'outputTokens' }),
  ApiCallError: new errors.ApiCallError({ message: 'HTTP 500', status: 500, isRetryable: true }),
  ModelLoadError: new errors.ModelLoadError({ source: '/models/x', message: 'missing' }),
  AbortedError: new errors.AbortedError(),
})

const classes = {
  MetagenError,
  InvalidArgumentError,
  UnsupportedCapabilityError,
  BudgetExhaustedError,
  ApiCallError,
  ModelLoadError,
  AbortedError,
}

describe('error markers', () => {
  it('isInstance is true for the class and its base, false for siblings and non-errors', () => {
    const errors = examples(errorsModule)
    for (const [name, error] of Object.entries(errors)) {
      expect(MetagenError.isInstance(error), name).toBe(true)
      for (const [className, errorClass] of Object.entries(classes)) {
        if (className === 'MetagenError') continue
        expect(errorClass.isInstance(error), `${className}.isInstance(${name})`).toBe(
          className === name,
        )
      }
    }
    for (const value of [new Error('plain'), null, undefined, 'InvalidArgumentError', 42, {}]) {
      expect(MetagenError.isInstance(value)).toBe(false)
      expect(InvalidArgumentError.isInstance(value)).toBe(false)
    }
  })

  it('recognises errors of a second, separately evaluated copy of the module', async () => {
    // A query string makes the module loader evaluate errors.ts again: new classes, the same
    // Symbol.for markers (what happens with two installed copies of @metagen/core).
    const copy: ErrorsModule = await import(/* @vite-ignore */ `./errors.js?copy=${Date.now()}`)
    expect(copy.InvalidArgumentError).not.toBe(InvalidArgumentError)
    const foreign = examples(copy)
    for (const [name, error] of Object.entries(foreign)) {
      expect(error instanceof MetagenError, `${name} instanceof`).toBe(false)
      expect(MetagenError.isInstance(error), name).toBe(true)
      expect(classes[name as keyof typeof classes].isInstance(error), name).toBe(true)
    }
    expect(InvalidArgumentError.isInstance(foreign.ApiCallError)).toBe(false)
    const argumentError = foreign.InvalidArgumentError
    if (!InvalidArgumentError.isInstance(argumentError)) throw argumentError
    expect(argumentError.argument).toBe('topP')
    // and the other way round
    expect(
      copy.ApiCallError.isInstance(new ApiCallError({ message: 'x', isRetryable: false })),
    ).toBe(true)
  })

  it('hasErrorMarker requires the marker to be exactly true', () => {
    const marker = Symbol.for('metagen.error.Test')
    expect(hasErrorMarker({ [marker]: true }, marker)).toBe(true)
    expect(hasErrorMarker({ [marker]: 'yes' }, marker)).toBe(false)
    expect(hasErrorMarker(Object.create({ [marker]: true }), marker)).toBe(true)
    expect(hasErrorMarker(undefined, marker)).toBe(false)
  })
})
