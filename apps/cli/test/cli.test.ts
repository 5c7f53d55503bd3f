// Integration: the CLI's commands run in-process on the real tinymath models.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createTemporaryFolders } from '@metagen/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from '../src/index.js'
import { captureIo } from './capture-io.js'

/** This file's temporary folders, removed when its tests end. */
const temporary = createTemporaryFolders()
afterAll(() => temporary.removeAll())

const question =
  'Ava has 23 apples. She buys 4 bags with 17 apples each. How many apples does Ava have now?'

async function cli(...args: string[]) {
  const io = captureIo()
  const code = await main(args, io)
  return { code, out: io.out(), err: io.err() }
}

describe('metagen solve', () => {
  it('answers a question with the default generator', async () => {
    const result = await cli('solve', question)
    expect(result.code).toBe(0)
    expect(result.out).toContain('answer: 91')
    expect(result.err).toMatch(
      /greedy on tinymath-generator: \d+ prompt \+ \d+ generated tokens, 1 call/,
    )
  })

  it('prints JSON and saves a trace that `trace` draws', async () => {
    const folder = temporary.make('metagen-cli-')
    const tracePath = join(folder, 'trace.jsonl')
    const result = await cli(
      'solve',
      question,
      '--model',
      'tinymath-draft',
      '--strategy',
      'step-beam',
      '--beams',
      '4',
      '--beam-width',
      '2',
      '--seed',
      '3',
      '--json',
      '--trace-out',
      tracePath,
    )
    expect(result.code).toBe(0)
    const json = JSON.parse(result.out)
    expect(json).toMatchObject({
      question,
      model: 'tinymath-draft',
      strategy: { strategy: 'step-beam', beams: 4, beamWidth: 2, scorer: 'step-checker' },
    })
    expect(json.usage.outputTokens).toBeGreaterThan(0)
    const drawn = await cli('trace', tracePath, '--html', join(folder, 'trace.html'))
    expect(drawn.code).toBe(0)
    expect(drawn.out.split('\n')[0]).toMatch(/^step-beam [\d.]+ ms \[\d+\+\d+ tokens/)
    expect(drawn.out).toMatch(/├─ step ".*" score \d\.\d{3}/)
    const html = await readFile(join(folder, 'trace.html'), 'utf8')
    // Self-contained: the trace's events inlined as JSON, the viewer inlined, nothing fetched.
    const inlined = /<script type="application\/json" id="metagen-trace">(.*?)<\/script>/s.exec(
      html,
    )
    const saved = (await readFile(tracePath, 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line))
    expect(JSON.parse(inlined?.[1] ?? 'null')).toEqual(saved)
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/)
  })
})

describe('metagen solve with the decoding strategies of issue 19', () => {
  it('--token-healing backs up the prompt`s last token and still answers', async () => {
    const result = await cli('solve', question, '--strategy', 'greedy', '--token-healing', '--json')
    expect(result.code).toBe(0)
    const json = JSON.parse(result.out)
    expect(json.strategy).toEqual({ strategy: 'greedy', tokenHealing: true })
    expect(json.answer).toBe('91')
  })

  it('--strategy reward-guided scores the top-K candidates with the scorer and reports the cost', async () => {
    const result = await cli(
      'solve',
      question,
      '--model',
      'tinymath-draft',
      '--strategy',
      'reward-guided',
      '--top-k',
      '4',
      '--json',
    )
    expect(result.code).toBe(0)
    const json = JSON.parse(result.out)
    expect(json.strategy).toMatchObject({
      strategy: 'reward-guided',
      topK: 4,
      alpha: 1,
      interval: 1,
      scorer: 'step-checker',
    })
    expect(json.usage.outputTokens).toBeGreaterThan(0)
  })
})

describe('metagen eval', () => {
  it('prints accuracy, tokens, calls and seconds', async () => {
    const result = await cli('eval', '--limit', '5')
    expect(result.code).toBe(0)
    expect(result.out).toMatch(
      /^greedy on tinymath-generator, tinymath-dev\.jsonl, 5 problems, seed 0$/m,
    )
    expect(result.out).toMatch(/^accuracy {2}\d\.\d{3} \(\d\/5\)$/m)
    expect(result.out).toMatch(/^tokens {4}[\d,]+ prompt \+ [\d,]+ generated tokens/m)
    expect(result.out).toMatch(/^calls {5}5$/m)
    expect(result.out).toMatch(/^seconds {3}\d+\.\d$/m)
  })

  it('saves one trace tree per problem with --trace-out, which `trace` draws', async () => {
    const folder = temporary.make('metagen-cli-')
    const tracePath = join(folder, 'eval-trace.jsonl')
    const result = await cli(
      'eval',
      '--model',
      'tinymath-draft',
      '--strategy',
      'best-of-n',
      '--n',
      '2',
      '--limit',
      '2',
      '--trace-out',
      tracePath,
    )
    expect(result.code).toBe(0)
    const events = (await readFile(tracePath, 'utf8'))
      .trim()
      .split('\n')
      .map(
        (line) => JSON.parse(line) as { kind: string; id: string; parentId?: string; name: string },
      )
    const roots = events.filter((event) => event.parentId === undefined)
    expect(roots.map((event) => event.name)).toEqual(['problem 1001-0', 'problem 1001-1'])
    // Ids are unique across problems (a span-end repeats its own span's id by design).
    const opening = events.filter((event) => event.kind !== 'span-end')
    expect(new Set(opening.map((event) => event.id)).size).toBe(opening.length)
    for (const event of events) {
      if (event.parentId !== undefined)
        expect(event.id.startsWith(event.parentId.split('/')[0] as string)).toBe(true)
    }
    const drawn = await cli('trace', tracePath)
    expect(drawn.code).toBe(0)
    expect(drawn.out).toMatch(/problem 1001-0/)
    expect(drawn.out).toMatch(/best-of-n/)
  })

  it('--json twice with the same seed gives the same object (apart from wall time)', async () => {
    const args = [
      'eval',
      '--model',
      'tinymath-draft',
      '--strategy',
      'self-consistency',
      '--n',
      '4',
      '--limit',
      '6',
      '--seed',
      '9',
      '--json',
    ]
    const first = JSON.parse((await cli(...args)).out)
    const second = JSON.parse((await cli(...args, '--concurrency', '1')).out)
    expect(Object.keys(first)).toEqual([
      'accuracy',
      'n',
      'model',
      'strategy',
      'usage',
      'seconds',
      'problems',
    ])
    expect(first.problems).toHaveLength(6)
    expect(Object.keys(first.problems[0])).toEqual(['id', 'answer', 'expected', 'correct', 'usage'])
    expect(first.problems[0].usage).toMatchObject({ calls: 1 })
    expect(first.usage).toMatchObject({ calls: 6 }) // n samples are one batched call per problem
    delete first.seconds
    delete second.seconds
    // FLOPs count the positions batched passes compute, and which problems share a pass
    // depends on timing: everything else is identical at any concurrency.
    for (const report of [first, second]) {
      expect(report.usage.flops).toBeGreaterThan(0)
      delete report.usage.flops
      for (const problem of report.problems) {
        expect(problem.usage.flops).toBeGreaterThan(0)
        delete problem.usage.flops
      }
    }
    expect(second).toEqual(first)
  })

  it('reads a data file and a YAML strategy file, with flags overriding it', async () => {
    const folder = temporary.make('metagen-cli-')
    await writeFile(
      join(folder, 'data.jsonl'),
      '{"id":"a","question":"June has 64 shells. She loses 21 shells. How many shells does June have now?","answer":43}\n',
    )
    await writeFile(
      join(folder, 'spec.yaml'),
      'strategy: best-of-n\nn: 8\nscorer: step-checker\nbase:\n  strategy: sample\n  temperature: 0.5\n',
    )
    const result = await cli(
      'eval',
      '--data',
      join(folder, 'data.jsonl'),
      '--strategy-file',
      join(folder, 'spec.yaml'),
      '--n',
      '2',
      '--json',
    )
    expect(result.code).toBe(0)
    const json = JSON.parse(result.out)
    expect(json.strategy).toEqual({
      strategy: 'best-of-n',
      n: 2,
      temperature: 1,
      scorer: 'step-checker',
      base: { strategy: 'sample', temperature: 0.5, mirostatEta: 0.1 },
    })
    expect(json.problems).toEqual([
      {
        id: 'a',
        answer: '43',
        expected: 43,
        correct: true,
        usage: expect.objectContaining({ calls: 2 }),
      },
    ])
    // One problem: its charged usage is the run's usage.
    expect(json.problems[0].usage).toEqual(json.usage)
    expect(json.usage.calls).toBe(2)
  })

  it('stops each problem at --budget-tokens', async () => {
    const result = await cli(
      'eval',
      '--limit',
      '3',
      '--strategy',
      'self-consistency',
      '--n',
      '8',
      '--budget-tokens',
      '40',
      '--json',
    )
    const json = JSON.parse(result.out)
    expect(json.usage.outputTokens).toBeLessThanOrEqual(3 * 40)
    // every problem reports the usage charged to it, within its own budget
    expect(json.problems).toHaveLength(3)
    for (const problem of json.problems) {
      expect(problem.usage.outputTokens).toBeGreaterThan(0)
      expect(problem.usage.outputTokens).toBeLessThanOrEqual(40)
      // 8 samples do not fit 40 tokens: the output-token limit stopped every problem
      expect(problem.stoppedBy).toBe('outputTokens')
    }
    expect(
      json.problems.reduce(
        (sum: number, problem: { usage: { outputTokens: number } }) =>
          sum + problem.usage.outputTokens,
        0,
      ),
    ).toBe(json.usage.outputTokens)
  })
})

describe('eval --budget-input-tokens', () => {
  it('holds every problem under its prompt-token budget and names the limit that stopped it', async () => {
    const result = await cli(
      'eval',
      '--limit',
      '2',
      '--strategy',
      'self-refine',
      '--budget-input-tokens',
      '150',
      '--json',
    )
    const json = JSON.parse(result.out)
    for (const problem of json.problems) {
      expect(problem.usage.inputTokens).toBeLessThanOrEqual(150)
      if (problem.stoppedBy !== undefined) expect(problem.stoppedBy).toBe('inputTokens')
    }
    // The second problem's refinement rounds need more prompt tokens than 150.
    expect(json.problems[1].stoppedBy).toBe('inputTokens')
  })
})

describe('bad input gives a clear error and exit code 2', () => {
  const cases: Array<[string[], RegExp]> = [
    [
      ['solve', question, '--model', 'tinymath-huge'],
      /Invalid argument model: expected one of tinymath-generator, tinymath-draft, tinymath-verifier, a local model folder path, or openai:<model>, vllm:<model>, anthropic:<model>, received "tinymath-huge"/,
    ],
    [['solve', '   '], /Invalid argument question: expected a non-empty question/],
    [['solve'], /solve takes exactly one question/],
    [
      ['eval', '--strategy', 'best-of-n', '--n', '0'],
      /strategy\.n: expected an integer >= 1 \(option n of strategy best-of-n\), received 0/,
    ],
    [['eval', '--max-tokens', '0'], /--max-tokens: expected an integer >= 1, received "0"/],
    [
      ['eval', '--strategy', 'sample', '--temperature', '-0.5'],
      /strategy\.temperature: expected a number >= 0 \(option temperature of strategy sample\), received -0\.5/,
    ],
    [
      ['eval', '--strategy', 'best-of-n', '--beam-width', '4'],
      /Unknown option '--beam-width'.*--n, --temperature, --base, --scorer/,
    ],
    [['eval', '--strategy', 'nope'], /strategy: expected one of greedy, sample,/],
    [['eval', '--limit', '0'], /--limit: expected an integer >= 1/],
    [['eval', '--budget-input-tokens', '0'], /--budget-input-tokens: expected an integer >= 1/],
    [['eval', '--budget-flops', '-1'], /--budget-flops: expected a number > 0/],
    [['eval', '--seed', '-1'], /--seed: expected an integer in \[0, 4294967295\]/],
    [['frobnicate'], /Unknown command "frobnicate"/],
    [
      ['eval', '--strategy', 'best-of-n', '--scorer', 'oracle', '--limit', '1'],
      /scorer: expected one of step-checker, verifier/,
    ],
  ]
  for (const [args, message] of cases) {
    it(args.join(' '), async () => {
      const result = await cli(...args)
      expect(result.code).toBe(2)
      expect(result.err).toMatch(message)
    })
  }

  it('a missing --data file and --max-tokens beyond the context: one line naming the flag', async () => {
    const missing = await cli('eval', '--data', '/nonexistent.jsonl')
    expect(missing.code).toBe(2)
    expect(missing.err).toBe(
      'metagen: Invalid argument --data: expected a readable JSON-lines data file, or code (no such file), received "/nonexistent.jsonl".\n',
    )
    const tooLong = await cli('solve', 'hi', '--max-tokens', '100000')
    expect(tooLong.code).toBe(2)
    expect(tooLong.err).toMatch(
      /^metagen: Invalid argument --max-tokens: expected an integer below 384, the context of tinymath-generator/,
    )
    expect(tooLong.err.trim().split('\n')).toHaveLength(1)
  })

  it('a malformed model folder', async () => {
    const folder = temporary.make('metagen-bad-model-')
    await writeFile(join(folder, 'config.json'), '{"not": "a model"}')
    const result = await cli('solve', question, '--model', folder)
    expect(result.code).toBe(2)
    expect(result.err).toMatch(/Cannot load model from .*metagen-bad-model-/)
  })
})

describe('metagen --help', () => {
  it('lists the commands, every strategy and its options', async () => {
    const result = await cli('--help')
    expect(result.code).toBe(0)
    for (const name of [
      'solve',
      'eval',
      'scale',
      'trace',
      'demo',
      'best-of-n',
      'step-beam',
      'speculative',
      'self-refine',
      '--beam-width <integer>',
      '--scorer <string>',
    ]) {
      expect(result.out).toContain(name)
    }
    const one = await cli('eval', '--strategy', 'step-beam', '--help')
    expect(one.out).toMatch(/^step-beam \(@metagen\/search\)/)
    expect(one.out).toContain('--beams <integer>')
    // Ranges and defaults come from the option schemas the validation uses.
    const sample = await cli('solve', '--strategy', 'sample', '--help')
    expect(sample.out).toMatch(/--epsilon <number> .*\(a number in \[0, 1\)\)/)
    expect(sample.out).toMatch(/--temperature <number> .*\(a number >= 0; default 1\)/)
  })
})

describe('metagen scale', () => {
  it('writes table.md, table.json and plot.svg', async () => {
    const out = temporary.make('metagen-scale-')
    const result = await cli(
      'scale',
      '--model',
      'tinymath-draft',
      '--limit',
      '4',
      '--strategies',
      'greedy,best-of-n:scorer=step-checker',
      '--budgets',
      '1,2',
      '--out',
      out,
    )
    expect(result.code).toBe(0)
    const table = JSON.parse(await readFile(join(out, 'table.json'), 'utf8'))
    expect(table.rows.map((row: { label: string }) => row.label)).toEqual([
      'greedy',
      'best-of-n n=1',
      'best-of-n n=2',
    ])
    expect(await readFile(join(out, 'table.md'), 'utf8')).toContain('| best-of-n | best-of-n n=2 |')
    const svg = await readFile(join(out, 'plot.svg'), 'utf8')
    expect(svg).toContain('<polyline')
    expect(result.out).toContain('Wrote')
  })
})

describe('metagen demo', () => {
  it('runs six configurations and prints one row each', async () => {
    const result = await cli('demo', '--limit', '2')
    expect(result.code).toBe(0)
    const rows = result.out
      .split('\n')
      .filter((line) => /^\S.*tinymath-(generator|draft)\s+\d\.\d{2} \(\d\/2\)/.test(line))
    expect(rows).toHaveLength(6)
    expect(rows[0]).toMatch(/^greedy\s+tinymath-generator\s+1\.00 \(2\/2\)/)
    expect(rows[5]).toMatch(/^speculative \(draft k=4\)\s+tinymath-generator\s+1\.00 \(2\/2\)/)
  })
})
