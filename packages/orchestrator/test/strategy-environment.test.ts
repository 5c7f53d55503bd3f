import { join, relative } from 'node:path'
import { InvalidArgumentError, ModelLoadError, UnsupportedCapabilityError } from '@metagen/core'
import { createTemporaryFolders } from '@metagen/core/testing'
import { startFakeOpenAIServer } from '@metagen/openai/testing'
import { formatPrompt, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createDefaultStrategyRegistry,
  createStrategyEnvironment,
  evaluate,
  resolveModelId,
  run,
} from '../src/index.js'

/** This file's temporary folders, removed when its tests end. */
const temporary = createTemporaryFolders()
afterAll(() => temporary.removeAll())

const registry = createDefaultStrategyRegistry()

describe('resolveModelId', () => {
  it('resolves embedded ids, folders and remote ids', async () => {
    expect(resolveModelId('tinymath-draft')).toMatchObject({
      kind: 'local',
      modelId: 'tinymath-draft',
    })
    expect(resolveModelId('openai:gpt-4o-mini')).toEqual({
      kind: 'remote',
      modelId: 'openai:gpt-4o-mini',
      provider: 'openai',
      remoteId: 'gpt-4o-mini',
    })
    const folder = temporary.make('metagen-model-')
    expect(resolveModelId(folder)).toMatchObject({ kind: 'local', path: folder })
  })

  it('rejects unknown ids, listing the known ones', () => {
    for (const id of ['tinymath-huge', 'mistral:7b', 'openai:', '']) {
      expect(() => resolveModelId(id)).toThrow(InvalidArgumentError)
    }
    expect(() => resolveModelId('tinymath-huge')).toThrow(
      /model: expected one of tinymath-generator, tinymath-draft, tinymath-verifier, a local model folder path, or openai:<model>, anthropic:<model>/,
    )
  })
})

describe('createStrategyEnvironment (real tinymath models)', () => {
  const environment = createStrategyEnvironment({ modelId: 'tinymath-draft', registry })
  afterAll(() => environment.close())

  it('loads each model once and shares it between views', async () => {
    const [first, second] = await Promise.all([
      environment.tokenModel(),
      environment.tokenModel('tinymath-draft'),
    ])
    expect(first).toBe(second)
    const view = environment.forModel('tinymath-generator')
    expect(view.modelId).toBe('tinymath-generator')
    expect(await view.tokenModel('tinymath-draft')).toBe(first)
    expect(await environment.languageModel()).toBe(
      await environment.languageModel('tinymath-draft'),
    )
    expect(environment.loadedModelIds).toEqual(['tinymath-draft'])
    expect(environment.maxTokens).toBe(128)
  })

  it('loads one model for several spellings of its folder', async () => {
    const folder = tinymathModelPaths['tinymath-draft']
    const spellings = [
      folder,
      `${folder}/`,
      join(folder, '..', 'draft'),
      relative(process.cwd(), folder),
    ]
    const models = await Promise.all(spellings.map((spelling) => environment.tokenModel(spelling)))
    for (const model of models) expect(model).toBe(models[0])
  })

  it('replaces a model whose worker died on the next call', async () => {
    const own = createStrategyEnvironment({ modelId: 'tinymath-draft', registry })
    try {
      const first = await own.tokenModel()
      const language = await own.languageModel()
      // Simulate a crash: end the worker thread behind the model's back.
      const worker = (first as unknown as { client: { worker: { terminate(): Promise<number> } } })
        .client.worker
      await worker.terminate()
      while ((first as unknown as { failure?: Error }).failure === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      expect((first as unknown as { failure?: Error }).failure).toBeInstanceOf(Error)
      await expect(
        language.generate({ prompt: 'Q: 1+1?\nA:', maxTokens: 4, temperature: 0 }),
      ).rejects.toThrow(/worker exited/)
      const second = await own.tokenModel()
      expect(second).not.toBe(first)
      const again = await own.languageModel()
      const result = await again.generate({ prompt: 'Q: 1+1?\nA:', maxTokens: 4, temperature: 0 })
      expect(result.outputs[0]?.text.length).toBeGreaterThan(0)
    } finally {
      await own.close()
    }
  })

  it('reports a malformed model folder and the verifier as a token model clearly', async () => {
    const folder = temporary.make('metagen-empty-')
    await expect(environment.tokenModel(folder)).rejects.toThrow(ModelLoadError)
    await expect(environment.tokenModel(folder)).rejects.toThrow(/missing config\.json/)
  })

  it('builds scorers by name and rejects unknown ones', async () => {
    expect((await environment.scorer('step-checker')).name).toBe('step-checker')
    await expect(environment.scorer('oracle')).rejects.toThrow(
      /scorer: expected one of step-checker, verifier/,
    )
  })

  it('builds and runs a nested spec on the real draft model', async () => {
    const generator = await environment.build({
      strategy: 'best-of-n',
      n: 4,
      scorer: 'step-checker',
      base: { strategy: 'sample', temperature: 0.7 },
    })
    const problem = (await loadDevSet())[0]
    const result = await run(
      generator,
      { prompt: formatPrompt(problem?.question ?? '') },
      { seed: 1, trace: true },
    )
    expect(result.output.candidates).toHaveLength(4)
    expect(result.usage.calls).toBe(4)
    expect(result.usage.outputTokens).toBeGreaterThan(0)
    expect(result.trace.filter((event) => event.kind === 'model-call')).toHaveLength(4)
    const again = await run(
      generator,
      { prompt: formatPrompt(problem?.question ?? '') },
      { seed: 1 },
    )
    expect(again.output.text).toBe(result.output.text)
  })

  it('gives identical evaluations at any problem concurrency (batched ONNX passes)', async () => {
    const problems = (await loadDevSet()).slice(0, 8)
    const generator = await environment.build({ strategy: 'self-consistency', n: 4 })
    const serial = await evaluate({ generator, problems, seed: 11, concurrency: 1 })
    const parallel = await evaluate({ generator, problems, seed: 11, concurrency: 4 })
    // FLOPs count the positions the passes compute, and which problems share a pass (its
    // padding, ghost rows) depends on timing: every other part of usage is identical.
    const withoutFlops = ({ flops: _flops, ...rest }: { flops?: number | undefined }) => rest
    expect(
      parallel.problems.map((problem) => [problem.answer, withoutFlops(problem.usage)]),
    ).toEqual(serial.problems.map((problem) => [problem.answer, withoutFlops(problem.usage)]))
    expect(withoutFlops(parallel.usage)).toEqual(withoutFlops(serial.usage))
    // Each problem is charged at least 2 x parameters x the tokens it fed (the prompt, and every
    // sample's tokens but its last), padding and ghost rows on top.
    const { parameterCount } = await environment.tokenModel()
    for (const problem of [...serial.problems, ...parallel.problems]) {
      const { inputTokens, outputTokens, flops } = problem.usage
      expect(flops).toBeGreaterThanOrEqual(2 * parameterCount * (inputTokens + outputTokens - 4))
    }
  })

  it('refuses use after close', async () => {
    const other = createStrategyEnvironment({ modelId: 'tinymath-draft', registry })
    await other.close()
    await expect(other.tokenModel()).rejects.toThrow(/an open environment/)
  })
})

describe('createStrategyEnvironment (remote model on the fake OpenAI server)', () => {
  it('runs a vote over a remote model and refuses token-level access', async () => {
    const server = await startFakeOpenAIServer({
      respond: (context) => `4*17=68. The answer is ${context.sampleIndex % 3 === 0 ? 68 : 91}.`,
    })
    const environment = createStrategyEnvironment({
      modelId: 'openai:gpt-4o-mini',
      registry,
      baseUrl: server.baseURL,
      apiKey: 'test-key',
    })
    try {
      expect(environment.maxTokens).toBe(512)
      await expect(environment.tokenModel()).rejects.toThrow(UnsupportedCapabilityError)
      const generator = await environment.build({ strategy: 'self-consistency', n: 6 })
      const result = await run(
        generator,
        { prompt: formatPrompt('What is 23 + 4 x 17?') },
        { seed: 2 },
      )
      expect(result.output.answer).toBe('91')
      expect(result.usage.calls).toBeGreaterThanOrEqual(1)
      await expect(environment.build({ strategy: 'beam' })).rejects.toThrow(
        UnsupportedCapabilityError,
      )
    } finally {
      await environment.close()
      await server.close()
    }
  })
})
