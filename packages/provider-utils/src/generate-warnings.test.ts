import { describe, expect, it } from 'vitest'
import {
  droppedSettingWarning,
  missingPriceWarning,
  unknownProviderOptionWarnings,
} from './generate-warnings.js'

describe('generate warnings', () => {
  it('names the dropped setting and why', () => {
    expect(droppedSettingWarning('seed', 'the API has no seed.')).toEqual({
      type: 'unsupported-setting',
      setting: 'seed',
      message: 'seed was dropped: the API has no seed.',
    })
  })

  it('warns about each unknown provider option, skipping known ones', () => {
    const warnings = unknownProviderOptionWarnings(
      'acme',
      ['stream', 'bogus', 'other'],
      new Set(['stream']),
    )
    expect(warnings.map((warning) => warning.setting)).toEqual([
      'providerOptions.acme.bogus',
      'providerOptions.acme.other',
    ])
    expect(unknownProviderOptionWarnings('acme', ['x'])).toHaveLength(1)
  })

  it('says where to add a missing price', () => {
    expect(missingPriceWarning('m-1', 'createAcme').message).toContain('createAcme({ prices })')
  })
})
