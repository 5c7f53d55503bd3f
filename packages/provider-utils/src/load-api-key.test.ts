import { InvalidArgumentError } from '@metagen/core'
import { afterEach, describe, expect, it } from 'vitest'
import { loadApiKey, loadOptionalApiKey } from './load-api-key.js'

const variable = 'METAGEN_TEST_API_KEY'
const options = { environmentVariableName: variable, description: 'an ACME API key' }

afterEach(() => {
  delete process.env[variable]
})

describe('loadApiKey', () => {
  it('prefers the explicit setting to the environment variable', () => {
    process.env[variable] = 'from-environment'
    expect(loadApiKey({ ...options, apiKey: 'explicit' })).toBe('explicit')
  })

  it('reads the environment variable when the setting is undefined', () => {
    process.env[variable] = 'from-environment'
    expect(loadApiKey({ ...options, apiKey: undefined })).toBe('from-environment')
  })

  it('names the setting and the environment variable when no key is found', () => {
    let error: unknown
    try {
      loadApiKey({ ...options, apiKey: undefined, settingName: 'settings.key' })
    } catch (caught) {
      error = caught
    }
    expect(InvalidArgumentError.isInstance(error)).toBe(true)
    expect((error as InvalidArgumentError).argument).toBe('settings.key')
    expect((error as Error).message).toBe(
      `Invalid argument settings.key: expected an ACME API key (pass settings.key or set the ${variable} environment variable), received undefined.`,
    )
  })

  it('rejects an empty key, explicit or from the environment', () => {
    process.env[variable] = 'from-environment'
    expect(() => loadApiKey({ ...options, apiKey: '' })).toThrow(/settings\.apiKey.*received ""/)
    process.env[variable] = ''
    expect(() => loadApiKey({ ...options, apiKey: undefined })).toThrow(InvalidArgumentError)
  })

  it('rejects a setting that is not a string', () => {
    expect(() => loadApiKey({ ...options, apiKey: 42 as unknown as string })).toThrow(
      /expected an ACME API key as a string, received "number"/,
    )
  })
})

describe('loadOptionalApiKey', () => {
  it('returns undefined when there is no key and the key otherwise', () => {
    expect(loadOptionalApiKey({ ...options, apiKey: undefined })).toBeUndefined()
    expect(loadOptionalApiKey({ ...options, apiKey: '' })).toBeUndefined()
    process.env[variable] = 'from-environment'
    expect(loadOptionalApiKey({ ...options, apiKey: undefined })).toBe('from-environment')
  })
})
