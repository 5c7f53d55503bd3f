// `metagen eval --data code`: the JavaScript problems through the CLI with a remote
// (fake OpenAI) model and the self-debug strategy.
import { codeProblems } from '@metagen/execution'
import { startFakeOpenAIServer } from '@metagen/openai/testing'
import { describe, expect, it } from 'vitest'
import { main } from '../src/index.js'
import { captureIo } from './capture-io.js'

const fenced = (code: string) => `\`\`\`javascript\n${code}\n\`\`\``

describe('metagen eval --data code', () => {
  it('evaluates self-debug on the first problems: wrong programs, fixed from the test errors', async () => {
    const repairPrompts: string[] = []
    const server = await startFakeOpenAIServer({
      respond: ({ prompt, messages }) => {
        const text = (messages ?? []).map((message) => message.content).join('\n') || prompt
        const problem = codeProblems.find((item) => text.includes(`\`${item.signature}\``))
        if (!problem) return 'no idea'
        if (prompt.includes('Running the code on the tests gave:')) {
          repairPrompts.push(prompt)
          return fenced(problem.solution)
        }
        return fenced(`${problem.signature} {\n  return undefined\n}`)
      },
    })
    const savedKey = process.env.OPENAI_API_KEY
    process.env.OPENAI_API_KEY = 'fake'
    try {
      const io = captureIo()
      const code = await main(
        [
          'eval',
          '--data',
          'code',
          '--limit',
          '2',
          '--model',
          'openai:fake-coder',
          '--base-url',
          server.baseURL,
          '--strategy',
          'self-debug',
          '--json',
        ],
        io,
      )
      expect({ code, err: io.err() }).toEqual({ code: 0, err: expect.any(String) })
      const report = JSON.parse(io.out()) as {
        accuracy: number
        problems: Array<{ id: string; correct: boolean; expected: string }>
      }
      expect(report.accuracy).toBe(1)
      expect(report.problems.map((problem) => problem.id)).toEqual(['js-add', 'js-sum-digits'])
      expect(report.problems[0]?.expected).toBe('passes every test')
      expect(repairPrompts).toHaveLength(2)
      expect(repairPrompts.join('\n')).toContain('AssertionError: expected 5, received undefined')
    } finally {
      if (savedKey === undefined) delete process.env.OPENAI_API_KEY
      else process.env.OPENAI_API_KEY = savedKey
      await server.close()
    }
  })
})
