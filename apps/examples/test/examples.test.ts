// Runs every example program (built into dist/) as a child process, as a user would, and checks
// what it prints. The remote examples run against their local fake servers (API keys unset).
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { exampleNames } from '../src/index.js'

const run = promisify(execFile)
const dist = fileURLToPath(new URL('../dist/', import.meta.url))

async function runExample(name: string): Promise<string[]> {
  const environment = { ...process.env }
  delete environment.OPENAI_API_KEY
  delete environment.ANTHROPIC_API_KEY
  const { stdout } = await run(process.execPath, [`${dist}${name}.js`], {
    env: environment,
    timeout: 120_000,
  })
  return stdout.trim().split('\n')
}

const resultLine = (label: string) =>
  new RegExp(
    `^${label.replace(/[()]/g, '\\$&')}: accuracy (\\d\\.\\d{3}) \\((\\d+)/(\\d+)\\), [\\d,]+ tokens, \\d+ calls, [\\d.]+ s$`,
  )

function accuracyOf(line: string | undefined, label: string, total: number): number {
  const match = resultLine(label).exec(line ?? '')
  expect(match, `line "${line}" should report ${label}`).not.toBeNull()
  expect(Number(match?.[3])).toBe(total)
  return Number(match?.[1])
}

describe('examples', () => {
  it('lists every example', () => {
    expect(exampleNames).toHaveLength(8)
  })

  it('self-consistency: majority vote of 16 draft samples vs greedy', async () => {
    const [greedy, vote] = await runExample('self-consistency')
    accuracyOf(greedy, 'greedy', 20)
    accuracyOf(vote, 'self-consistency n=16', 20)
  })

  it('best-of-n-verifier: the verifier ranks about as well as the exact step checker', async () => {
    const [verifier, checker] = await runExample('best-of-n-verifier')
    const byVerifier = accuracyOf(verifier, 'best-of-8 by verifier', 20)
    const byChecker = accuracyOf(checker, 'best-of-8 by step checker', 20)
    // Same samples (same seed) ranked two ways; the first verifier was far below the checker.
    expect(byVerifier).toBeGreaterThanOrEqual(byChecker - 0.1)
  })

  it('step-beam-search: accuracy and one traced search tree', async () => {
    const [summary, detail] = await runExample('step-beam-search')
    accuracyOf(summary, 'step-beam N=8, M=4 with the step checker', 20)
    expect(detail).toMatch(
      /^problem 1001-4: \d+ search nodes, answer -?\d+ \(expected 1231\): .*The answer is -?\d+\.$/,
    )
  })

  it('speculative-decoding: identical greedy outputs with fewer target passes', async () => {
    const [identical, acceptance, passes] = await runExample('speculative-decoding')
    expect(identical).toBe('identical to greedy: 20/20')
    expect(acceptance).toMatch(/^acceptance rate: (0\.\d{3}|1\.000) \(\d+\/\d+ draft tokens\)$/)
    const [, speculative, plain] =
      /^target forward passes: (\d+) speculative vs (\d+) plain$/.exec(passes ?? '') ?? []
    expect(Number(speculative)).toBeLessThan(Number(plain))
  })

  it('mbr-remote: MBR over a (fake) OpenAI model recovers the consensus', async () => {
    const [backend, first, mbr] = await runExample('mbr-remote')
    expect(backend).toMatch(/^backend: fake OpenAI server at http:\/\/127\.0\.0\.1:\d+\/v1$/)
    const firstCorrect = Number(/^first sample: (\d+)\/10 correct$/.exec(first ?? '')?.[1])
    const mbrCorrect = Number(/^MBR over 8 samples: (\d+)\/10 correct$/.exec(mbr ?? '')?.[1])
    expect(firstCorrect).toBeLessThan(10)
    expect(mbrCorrect).toBe(10)
  })

  it('self-refine-api: a (fake) Anthropic model fixes its slips after its own review', async () => {
    const [backend, first, final] = await runExample('self-refine-api')
    expect(backend).toMatch(/^backend: fake Anthropic server at http:\/\/127\.0\.0\.1:\d+$/)
    expect(first).toBe('first answers: 3/6 correct')
    expect(final).toMatch(/^after self-refine: 6\/6 correct \(\d+ model calls\)$/)
  })

  it('chained-with-parallel: votes over chains and best-of-N over refinements', async () => {
    const [vote, best] = await runExample('chained-with-parallel')
    accuracyOf(vote, 'majority-vote(chain-of-thought) n=8', 10)
    accuracyOf(best, 'best-of-n(refine-with-verifier) n=4', 10)
  })

  it('code-tests-remote: tests passed pick and repair programs of a (fake) OpenAI model', async () => {
    const [backend, first, best, mbr, debug] = await runExample('code-tests-remote')
    expect(backend).toMatch(/^backend: fake OpenAI server at http:\/\/127\.0\.0\.1:\d+\/v1$/)
    const count = (line: string | undefined, label: string) =>
      Number(new RegExp(`^${label}: (\\d+)/12 pass every test$`).exec(line ?? '')?.[1])
    // Seeded replay. Half the fake samples are wrong; best-of-8 by tests passed finds a right
    // one every time, while MBR by edit similarity sometimes prefers a program one brace short
    // of the consensus (a syntax error is a small edit).
    expect(count(first, 'first sample')).toBe(6)
    expect(count(best, 'best-of-8 by tests passed')).toBe(12)
    expect(count(mbr, 'MBR over 8 samples by edit similarity')).toBe(10)
    const [, firstAttempts, repaired] =
      /^self-debug: (\d+)\/12 first attempts pass, (\d+)\/12 after at most 3 fixes \(\d+ model calls\)$/.exec(
        debug ?? '',
      ) ?? []
    expect(Number(firstAttempts)).toBeLessThan(12)
    expect(Number(repaired)).toBe(12)
  })
})
