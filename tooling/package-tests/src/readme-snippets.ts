// The TypeScript code blocks of the READMEs: extracted with their position, so that a test can
// type-check them against the built packages and run the ones that need nothing from outside.

/** One ```ts block of a README. */
export interface Snippet {
  /** Path of the README, relative to the workspace root. */
  readme: string
  /** 1-based line of the README holding the block's first line of code. */
  line: number
  /** The code between the fences. */
  code: string
  /** Words after the language on the opening fence (e.g. `no-run`). */
  flags: string[]
}

/**
 * Extracts every fenced block whose language is `ts` or `typescript` (not `tsx`, `sh`, ...)
 * from `markdown`, in order. An unclosed fence is an error naming the README and line.
 */
export function extractSnippets(markdown: string, readme: string): Snippet[] {
  const lines = markdown.split('\n')
  const snippets: Snippet[] = []
  let index = 0
  while (index < lines.length) {
    const opening = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)(.*)$/.exec(lines[index] ?? '')
    if (!opening) {
      index += 1
      continue
    }
    const fence = opening[2] ?? '```'
    const language = (opening[3] ?? '').toLowerCase()
    const start = index + 1
    let end = start
    while (end < lines.length && !(lines[end] ?? '').trim().startsWith(fence)) end += 1
    if (end >= lines.length) {
      throw new Error(
        `extractSnippets: ${readme}:${index + 1} opens a code block that never closes`,
      )
    }
    if (language === 'ts' || language === 'typescript') {
      snippets.push({
        readme,
        line: start + 1,
        code: lines.slice(start, end).join('\n'),
        flags: (opening[4] ?? '').trim().split(/\s+/).filter(Boolean),
      })
    }
    index = end + 1
  }
  return snippets
}

/**
 * Whether the test runs a snippet (besides type-checking it). The fence flags `run` and `no-run`
 * decide when present. Otherwise a snippet runs when it works on this machine alone: it uses the
 * embedded models (`@metagen/tinymath`) or a fake from a `/testing` entry point, and it assumes
 * nothing that it does not define (no `declare`).
 */
export function isRunnableSnippet(snippet: Snippet): boolean {
  if (snippet.flags.includes('no-run')) return false
  if (snippet.flags.includes('run')) return true
  if (/^\s*declare\s/m.test(snippet.code)) return false
  return /from '@metagen\/tinymath'|from '@metagen\/[\w-]+\/testing'/.test(snippet.code)
}
