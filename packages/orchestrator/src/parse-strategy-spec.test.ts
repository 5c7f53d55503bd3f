import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createTemporaryFolders } from '@metagen/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { loadStrategySpec, parseStrategySpec } from './parse-strategy-spec.js'

/** This file's temporary folders, removed when its tests end. */
const temporary = createTemporaryFolders()
afterAll(() => temporary.removeAll())

describe('parseStrategySpec', () => {
  it('reads JSON and YAML alike', () => {
    const json = parseStrategySpec(
      '{"strategy":"weighted-vote","n":16,"base":{"strategy":"speculative"}}',
    )
    const yaml = parseStrategySpec(
      'strategy: weighted-vote\nn: 16\nbase:\n  strategy: speculative\n',
    )
    expect(json).toEqual({ strategy: 'weighted-vote', n: 16, base: { strategy: 'speculative' } })
    expect(yaml).toEqual(json)
  })

  it('reads a bare name as a spec', () => {
    expect(parseStrategySpec('greedy')).toEqual({ strategy: 'greedy' })
  })

  it('names the source of a syntax error or a non-object', () => {
    expect(() => parseStrategySpec('{"strategy": ', 'spec.json')).toThrow(
      /spec\.json: expected a JSON or YAML strategy spec/,
    )
    expect(() => parseStrategySpec('- a\n- b', 'spec.yaml')).toThrow(
      /spec\.yaml: expected a strategy spec object/,
    )
  })

  it('loads files and reports unreadable ones', async () => {
    const folder = temporary.make('metagen-spec-')
    const path = join(folder, 'spec.yaml')
    await writeFile(path, 'strategy: best-of-n\nn: 4\nscorer: step-checker\n')
    expect(await loadStrategySpec(path)).toEqual({
      strategy: 'best-of-n',
      n: 4,
      scorer: 'step-checker',
    })
    await expect(loadStrategySpec(join(folder, 'missing.yaml'))).rejects.toThrow(
      /--strategy-file: expected a readable/,
    )
  })
})
