// Extracting README code blocks and telling which run.
import { describe, expect, it } from 'vitest'
import { extractSnippets, isRunnableSnippet } from '../src/readme-snippets.js'

const markdown = [
  '# title',
  '```sh',
  'pnpm build',
  '```',
  '```ts',
  "import { loadDevSet } from '@metagen/tinymath'",
  'await loadDevSet()',
  '```',
  '````typescript no-run',
  "import { createOpenAI } from '@metagen/openai'",
  '```ts',
  'inner fence of a longer one',
  '```',
  '````',
  '```ts',
  'declare const model: unknown',
  "import { createFakeLanguageModel } from '@metagen/core/testing'",
  '```',
].join('\n')

describe('extractSnippets', () => {
  it('returns the ts blocks with their first code line and flags', () => {
    const snippets = extractSnippets(markdown, 'README.md')
    expect(snippets.map(({ line, flags }) => ({ line, flags }))).toEqual([
      { line: 6, flags: [] },
      { line: 10, flags: ['no-run'] },
      { line: 16, flags: [] },
    ])
    expect(snippets[1]?.code).toContain('inner fence of a longer one')
  })

  it('names the README and line of an unclosed fence', () => {
    expect(() => extractSnippets('text\n```ts\nconst x = 1\n', 'packages/x/README.md')).toThrow(
      'packages/x/README.md:2 opens a code block that never closes',
    )
  })
})

describe('isRunnableSnippet', () => {
  it('runs blocks on the embedded models or fakes that declare nothing, unless flagged', () => {
    const [embedded, remote, declared] = extractSnippets(markdown, 'README.md')
    expect(embedded && isRunnableSnippet(embedded)).toBe(true)
    expect(remote && isRunnableSnippet(remote)).toBe(false)
    expect(declared && isRunnableSnippet(declared)).toBe(false)
    expect(embedded && isRunnableSnippet({ ...embedded, flags: ['no-run'] })).toBe(false)
  })
})
