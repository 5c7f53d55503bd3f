// Example: chained generators composed with parallel ones on the embedded tinymath-draft model:
// self-consistency over chain-of-thought, best-of-N over verifier refinement, and verifier
// refinement over calculator tool use. Each line reports accuracy, tokens and calls.

import { calculatorTool, chainOfThought, refineWithVerifier, toolUse } from '@metagen/chained'
import {
  addUsage,
  createRunContext,
  emptyUsage,
  type Generator,
  languageModelGenerator,
  mixSeed,
  type TextInput,
  type TextOutput,
  type Usage,
} from '@metagen/core'
import { createTokenLanguageModel } from '@metagen/decoders'
import { loadOnnxTokenModel } from '@metagen/onnx'
import { bestOfN, majorityVote } from '@metagen/parallel'
import { createTinymathStepChecker } from '@metagen/scorers'
import {
  extractAnswer,
  formatPrompt,
  isCorrect,
  loadDevSet,
  tinymathModelPaths,
} from '@metagen/tinymath'

/** One line of the example's report. */
export interface ChainedExampleRow {
  /** The composed generator, e.g. `majority-vote(chain-of-thought) n=8`. */
  name: string
  /** Problems solved. */
  correct: number
  /** Problems tried. */
  total: number
  /** Compute spent over all problems. */
  usage: Usage
}

/**
 * Runs the composed generators on the first `problems` dev problems (default 20) and returns
 * (and logs through `log`) one row per generator.
 */
export async function runChainedWithParallelExample(
  options: { problems?: number; log?: (line: string) => void } = {},
): Promise<ChainedExampleRow[]> {
  const log = options.log ?? console.log
  const tokenModel = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], {
    modelId: 'tinymath-draft',
  })
  try {
    const model = createTokenLanguageModel(tokenModel)
    const stepChecker = createTinymathStepChecker()
    const greedy = { temperature: 0, maxTokens: 128 }
    const generators: Array<[string, Generator<TextInput, TextOutput>]> = [
      ['greedy', languageModelGenerator({ model, request: greedy })],
      [
        'majority-vote(chain-of-thought) n=8',
        majorityVote({
          base: chainOfThought({
            model,
            extractAnswer,
            answerPrompt: ' The answer is',
            request: { temperature: 1, maxTokens: 128 },
          }),
          n: 8,
        }),
      ],
      [
        'best-of-n(refine-with-verifier) n=4',
        bestOfN({
          base: refineWithVerifier({ model, scorer: stepChecker, request: greedy, maxRounds: 2 }),
          n: 4,
          scorer: stepChecker,
        }),
      ],
      [
        'refine-with-verifier(calculator)',
        refineWithVerifier({
          model,
          scorer: stepChecker,
          request: greedy,
          generator: toolUse({ model, tools: [calculatorTool()], request: greedy }),
        }),
      ],
    ]
    const problems = (await loadDevSet()).slice(0, options.problems ?? 20)
    const rows: ChainedExampleRow[] = []
    for (const [name, generator] of generators) {
      let usage = emptyUsage()
      let correct = 0
      for (const problem of problems) {
        const result = await generator.run(
          { prompt: formatPrompt(problem.question) },
          createRunContext({ seed: mixSeed(0, problem.id) }),
        )
        usage = addUsage(usage, result.usage)
        if (isCorrect(result.output.text, problem.answer)) correct++
      }
      rows.push({ name, correct, total: problems.length, usage })
      log(
        `${name.padEnd(38)} ${correct}/${problems.length} correct, ${usage.inputTokens} input + ${usage.outputTokens} output tokens, ${usage.calls} calls`,
      )
    }
    return rows
  } finally {
    await tokenModel.close()
  }
}
