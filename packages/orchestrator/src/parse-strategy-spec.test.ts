import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadStrategySpec, parseStrategySpec } from './parse-strategy-spec.js'

/** Temporary folders made by this file's tests, removed when they end. */
const temporaryFolders: string[] = []
afterAll(async () => {
  await Promise.all(temporaryFolders.map((folder) => rm(folder, { recursive: true, force: true })))
})
async function temporaryFolder(prefix: string): Promise<string> {
  const folder = await mkdtemp(prefix)
  temporaryFolders.push(folder)
  return folder
}

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
    const folder = await temporaryFolder(join(tmpdir(), 'metagen-spec-'))
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
