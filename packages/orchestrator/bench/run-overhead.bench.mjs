// Benchmark: what the orchestration layer costs. The same generator (greedy decoding of the
// real tinymath-draft model, the cheapest real workload, so the ratio is a worst case) solves the
// same dev problems (1) called directly with a core run context and (2) through `run()`
// (root span, trace sink, progress hook, usage accounting), (3) through `run()` collecting the
// trace, and (4) through `evaluate()` of a one-problem list. Arms are interleaved problem by
// problem (rotating their order) to cancel drift; the printed ratios compare total times
// measured in this process. The fixed cost of run() is also measured with an instant model.
import { createRunContext, mixSeed } from '@metagen/core'
import {
  createDefaultStrategyRegistry,
  createStrategyEnvironment,
  evaluate,
  run,
} from '@metagen/orchestrator'
import { formatPrompt, loadDevSet } from '@metagen/tinymath'

const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
const problems = (await loadDevSet()).slice(0, Number(process.env.BENCH_PROBLEMS ?? 40))
const registry = createDefaultStrategyRegistry()
const environment = createStrategyEnvironment({ modelId: 'tinymath-draft', registry })
const generator = await environment.build({ strategy: 'greedy' })

const timeIt = async (task) => {
  const start = performance.now()
  await task()
  return performance.now() - start
}

try {
  // Warm up the worker, the session and the JIT.
  for (const problem of problems.slice(0, 5)) {
    await generator.run({ prompt: formatPrompt(problem.question) }, createRunContext({ seed: 1 }))
  }
  let direct = 0
  let orchestrated = 0
  let traced = 0
  let evaluated = 0
  for (let round = 0; round < rounds; round++) {
    for (const [index, problem] of problems.entries()) {
      const input = { prompt: formatPrompt(problem.question) }
      const seed = mixSeed(round, index)
      const arms = [
        async () => {
          direct += await timeIt(() => generator.run(input, createRunContext({ seed })))
        },
        async () => {
          orchestrated += await timeIt(() => run(generator, input, { seed, onProgress: () => {} }))
        },
        async () => {
          traced += await timeIt(() => run(generator, input, { seed, trace: true }))
        },
        async () => {
          // evaluate() of a one-problem list: its whole setup is paid per problem (worst case).
          evaluated += await timeIt(() => evaluate({ generator, problems: [problem], seed: round }))
        },
      ]
      // Rotate the order so that no arm always runs first.
      for (let arm = 0; arm < arms.length; arm++) await arms[(arm + index + round) % arms.length]()
    }
  }
  // The fixed cost per run, measured without model noise: a generator whose model call
  // returns at once, run directly and through run(), many times.
  const instantModel = {
    specificationVersion: 'v1',
    provider: 'bench',
    modelId: 'instant',
    capabilities: { logprobs: false, nativeN: true, seed: true, scoring: false, chat: false },
    generate: async () => ({
      outputs: [{ text: ' 1+1=2. The answer is 2.', finishReason: 'stop' }],
      usage: { inputTokens: 10, outputTokens: 10, calls: 1 },
      warnings: [],
    }),
  }
  const instant = await createDefaultStrategyRegistry()
    .get('greedy')
    .build(
      { strategy: 'greedy' },
      {
        ...environment,
        modelId: 'instant',
        tokenModel: async () => {
          const { UnsupportedCapabilityError } = await import('@metagen/core')
          throw new UnsupportedCapabilityError({ capability: 'token-level', message: 'remote' })
        },
        languageModel: async () => instantModel,
      },
    )
  const iterations = 20_000
  let instantDirect = 0
  let instantRun = 0
  for (let repeat = 0; repeat < 2; repeat++) {
    instantDirect += await timeIt(async () => {
      for (let index = 0; index < iterations; index++)
        await instant.run({ prompt: 'Q' }, createRunContext({ seed: index }))
    })
    instantRun += await timeIt(async () => {
      for (let index = 0; index < iterations; index++)
        await run(instant, { prompt: 'Q' }, { seed: index, onProgress: () => {} })
    })
  }
  const fixedMicroseconds = ((instantRun - instantDirect) / (2 * iterations)) * 1000
  const runs = rounds * problems.length
  const percent = (value, base) => `${(((value - base) / base) * 100).toFixed(2)}%`
  console.log(
    `orchestrator overhead (${runs} greedy runs of tinymath-draft, ${rounds} rounds x ${problems.length} problems)`,
  )
  console.log(`  direct generator.run:      ${(direct / runs).toFixed(2)} ms/run`)
  console.log(
    `  run() with progress hook:  ${(orchestrated / runs).toFixed(2)} ms/run  ratio ${(orchestrated / direct).toFixed(4)} (overhead ${percent(orchestrated, direct)})`,
  )
  console.log(
    `  run() collecting a trace:  ${(traced / runs).toFixed(2)} ms/run  ratio ${(traced / direct).toFixed(4)} (overhead ${percent(traced, direct)})`,
  )
  console.log(
    `  evaluate() of one problem: ${(evaluated / runs).toFixed(2)} ms/run  ratio ${(evaluated / direct).toFixed(4)} (overhead ${percent(evaluated, direct)})`,
  )
  console.log(
    `  fixed cost of run() per call (instant model, ${2 * iterations} runs): ${fixedMicroseconds.toFixed(1)} us = ${((fixedMicroseconds / 1000 / (direct / runs)) * 100).toFixed(3)}% of one greedy tinymath-draft run`,
  )
  console.log('goal: overhead < 3%')
} finally {
  await environment.close()
}
