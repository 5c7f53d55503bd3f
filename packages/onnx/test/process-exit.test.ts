// The model's worker thread does not keep a process alive once nothing is pending: a script that
// forgets close() exits by itself, while one whose only work is a pending call waits for it.
// Models close through Symbol.asyncDispose (`await using`). Runs against the built package.
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { tinymathModelPaths } from '@metagen/tinymath'
import { describe, expect, it } from 'vitest'
import { loadOnnxRewardModel, loadOnnxTokenModel } from '../dist/index.js'

const execFileAsync = promisify(execFile)
const distUrl = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'index.js')).href

/** Runs an ES module script in a new process; process.argv[2] is the dist URL, [3] the model. */
async function runScript(script: string): Promise<string> {
  // A file, not `node --input-type=module -e`: workers inherit execArgv, and reject --input-type.
  const folder = await mkdtemp(join(tmpdir(), 'metagen-onnx-exit-'))
  try {
    await writeFile(join(folder, 'script.mjs'), script)
    const { stdout } = await execFileAsync(
      process.execPath,
      [join(folder, 'script.mjs'), distUrl, tinymathModelPaths['tinymath-draft']],
      // Killed (and the test failed) if the process does not exit by itself.
      { timeout: 60_000 },
    )
    return stdout
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
}

describe('the worker and the process lifetime', () => {
  it('lets a script that forgets close() exit once its calls are done', async () => {
    const stdout = await runScript(`
      const { loadOnnxTokenModel } = await import(process.argv[2])
      const model = await loadOnnxTokenModel(process.argv[3])
      const sequence = model.createSequence()
      const [result] = await model.extend([{ sequence, tokens: model.tokenizer.encode('Q: 2+3?\\nA:') }])
      const again = await model.extend([{ sequence, tokens: [5] }])
      console.log('rows', result.rows, again[0].logits.length === model.vocabSize)
    `)
    expect(stdout.trim()).toBe('rows 1 true')
  })

  it('keeps the process alive while a call is pending and nothing else is', async () => {
    // No top-level await after the load: only the pending extend() holds the process.
    const stdout = await runScript(`
      const { loadOnnxTokenModel } = await import(process.argv[2])
      loadOnnxTokenModel(process.argv[3]).then((model) => {
        const sequences = Array.from({ length: 8 }, () => model.createSequence())
        const prompt = model.tokenizer.encode('Q: Ava has 23 apples. She buys 4 bags with 17 apples each. How many apples does Ava have now?\\nA:')
        setTimeout(() => {
          model.extend(sequences.map((sequence) => ({ sequence, tokens: prompt }))).then((results) => {
            console.log('results', results.length)
            return model.extend(sequences.map((sequence) => ({ sequence, tokens: [7] })))
          }).then((results) => console.log('then', results.length))
        }, 10)
      })
    `)
    expect(stdout.trim().split('\n')).toEqual(['results 8', 'then 8'])
  })
})

describe('Symbol.asyncDispose', () => {
  it('closes a token model and a reward model', async () => {
    const model = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'])
    const sequence = model.createSequence()
    await model[Symbol.asyncDispose]()
    await expect(model.extend([{ sequence, tokens: [1] }])).rejects.toThrow(/open model/)
    const reward = await loadOnnxRewardModel(tinymathModelPaths['tinymath-verifier'])
    await reward[Symbol.asyncDispose]()
    await expect(reward.scoreTokens([[1, 2, 3]])).rejects.toThrow(/closed/)
  })
})
