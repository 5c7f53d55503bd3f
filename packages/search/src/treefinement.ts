// Treefinement (AlphaVerus, Aggarwal et al. 2024): REBASE over refinement edges. N programs are
// sampled in parallel; then, each round, N refinements are allocated across the newest layer by
// softmax(score / T) of a symbolic value (the fraction of tests passed), where a child is the
// model's repair of its parent given the parent's error messages. Ends at the first program
// that passes, or after a number of rounds.
import {
  ApiCallError,
  addUsage,
  assertNonEmptyString,
  assertTextInput,
  BudgetExhaustedError,
  callModel,
  callScorer,
  compact,
  emptyUsage,
  type Generator,
  type GeneratorResult,
  InvalidArgumentError,
  type LanguageModel,
  parseOption,
  programRepairInput,
  questionText,
  type RequestOptions,
  type RunContext,
  requestForInput,
  type Scorer,
  type TextInput,
  type TextOutput,
  type Usage,
} from '@metagen/core'
import { allocateBySoftmax } from './allocate-by-softmax.js'
import { searchOptionSchemas } from './option-schemas.js'

/** One program of the tree. */
export interface TreefinementNode {
  /** Node id (unique within the run; also the trace node id). */
  id: string
  /** Id of the program it refines; undefined for the initial samples. */
  parentId?: string
  /** 0 for the initial samples, k for the k-th round of refinement. */
  depth: number
  /** The model's output (the program, usually in a code block). */
  text: string
  /** The scorer's value (fraction of tests passed); undefined when unscorable. */
  score?: number
  /** The scorer's feedback (failing tests and errors), or its error when unscorable. */
  feedback: string
}

/** What the refinement prompt of a node sees. */
export interface TreefinementRevisionState {
  /** The task. */
  input: TextInput
  /** The program to refine. */
  parent: TreefinementNode
}

/** Output of {@link treefinement}. */
export interface TreefinementOutput extends TextOutput {
  /** True when a program reached `acceptScore`. */
  solved: boolean
  /** Rounds of refinement run (0 when an initial sample passed). */
  rounds: number
  /** Every program of the tree, in creation order. */
  nodes: TreefinementNode[]
}

/** Options of {@link treefinement}. */
export interface TreefinementOptions {
  /** The model that writes and repairs the programs. */
  model: LanguageModel
  /**
   * The symbolic value: an outcome scorer in [0, 1] (fraction of tests passed) that explains
   * its score in `Score.feedback` (e.g. `createTestRunnerScorer` of @metagen/execution).
   */
  scorer: Scorer
  /** Initial samples, and refinements per round (N, an integer >= 1; default 8). */
  width?: number
  /** Rounds of refinement after the initial samples (an integer >= 0; default 3). */
  refinementRounds?: number
  /** Softmax temperature T > 0 of the allocation (default 0.1). */
  balanceTemperature?: number
  /** A program with this score ends the search, in [0, 1] (default 1: every test passes). */
  acceptScore?: number
  /** Request fields of every call (default temperature 1: the samples must differ). */
  request?: RequestOptions
  /** The refinement prompt of a node (default {@link treefinementRevision}). */
  revise?: (state: TreefinementRevisionState) => TextInput
  /** Name in traces (default `treefinement`). */
  name?: string
}

/**
 * The default refinement prompt: the task, the parent program and its error messages, and the
 * instruction to write a corrected program in one JavaScript code block. Chat inputs get the
 * program as an assistant turn and the errors as the next user turn.
 */
export function treefinementRevision(state: TreefinementRevisionState): TextInput {
  return programRepairInput(
    state.input,
    state.parent.text,
    state.parent.feedback,
    'Write the corrected complete program in one ```javascript code block.',
  )
}

/**
 * Treefinement. Round 0 samples `width` programs of the task in one call and scores them.
 * Each round k >= 1 splits `width` refinements across the previous round's programs by
 * softmax(score / T) with largest-remainder rounding ({@link allocateBySoftmax}: REBASE-style
 * balancing, not `rebase`'s best-first width accounting; unscorable programs weigh 0 unless all are), and asks the model, once per parent with
 * `n` = its share, to repair that parent given its feedback; the children form the next layer.
 * Stops as soon as a program scores at least `acceptScore`, after `refinementRounds` rounds,
 * or when the budget runs out after the first layer (`stoppedBy: 'budget'`). The output is
 * the highest-scored program (earliest on ties). Each program is a trace `node` event
 * (`name` `program`, parent = the program it refines).
 */
export function treefinement(
  options: TreefinementOptions,
): Generator<TextInput, TreefinementOutput> {
  if (!options || typeof options.model?.generate !== 'function') {
    throw new InvalidArgumentError({
      argument: 'options.model',
      expected: 'a LanguageModel',
      received: options?.model,
    })
  }
  if (typeof options.scorer?.score !== 'function') {
    throw new InvalidArgumentError({
      argument: 'options.scorer',
      expected: 'a Scorer',
      received: options.scorer,
    })
  }
  const width = options.width ?? 8
  parseOption('options.width', searchOptionSchemas.width, width)
  const rounds = options.refinementRounds ?? 3
  parseOption('options.refinementRounds', searchOptionSchemas.refinementRounds, rounds)
  const temperature = options.balanceTemperature ?? 0.1
  parseOption('options.balanceTemperature', searchOptionSchemas.balanceTemperature, temperature)
  const acceptScore = options.acceptScore ?? 1
  parseOption('options.acceptScore', searchOptionSchemas.acceptScore, acceptScore)
  if (options.name !== undefined) assertNonEmptyString('options.name', options.name)
  const name = options.name ?? 'treefinement'
  const { model, scorer } = options
  const request: RequestOptions = { temperature: 1, ...(options.request ?? {}) }
  const revise = options.revise ?? treefinementRevision

  return {
    name,
    async run(input, context): Promise<GeneratorResult<TreefinementOutput>> {
      assertTextInput('input', input)
      const nodes: TreefinementNode[] = []
      let usage: Usage = emptyUsage()
      let round = 0
      let stoppedBy: 'budget' | undefined

      /** Samples `count` programs of `prompt` and scores them: the children of `parent`. */
      const grow = async (
        prompt: TextInput,
        count: number,
        parent: TreefinementNode | undefined,
        depth: number,
      ): Promise<TreefinementNode[]> => {
        const result = await callModel(context, model, {
          ...requestForInput(prompt, request),
          n: count,
        })
        usage = addUsage(usage, result.usage)
        const texts = result.outputs
          .filter((output) => output.finishReason !== 'error')
          .map((output) => output.text)
        if (texts.length === 0) return []
        const scored = await callScorer(
          context,
          scorer,
          texts.map((text) => ({ prompt: questionText(input), output: text })),
        )
        usage = addUsage(usage, scored.usage)
        return texts.map((text, index) => {
          const score = scored.scores[index]
          return {
            id: '',
            depth,
            text,
            feedback: score?.feedback ?? score?.error ?? '',
            ...compact({ parentId: parent?.id, score: finiteScore(score?.value) }),
          }
        })
      }
      /** Names and traces a finished layer in order, so ids do not depend on call timing. */
      const settle = (layer: TreefinementNode[]): TreefinementNode[] => {
        for (const node of layer) {
          node.id = context.nextId('p')
          emitNode(context, node)
        }
        nodes.push(...layer)
        return layer
      }

      const best = (): TreefinementNode | undefined => {
        let chosen: TreefinementNode | undefined
        for (const node of nodes) {
          if (node.score === undefined) continue
          if (chosen?.score === undefined || node.score > chosen.score) chosen = node
        }
        return chosen ?? nodes[0]
      }
      const solved = () => (best()?.score ?? Number.NEGATIVE_INFINITY) >= acceptScore

      try {
        let layer = settle(await grow(input, width, undefined, 0))
        while (!solved() && round < rounds && layer.length > 0) {
          round++
          const shares = allocateBySoftmax(
            layer.map((node) => node.score ?? Number.NEGATIVE_INFINITY),
            width,
            temperature,
          )
          const depth = round
          const children = await Promise.all(
            layer.map((parent, index) => {
              const share = shares[index] ?? 0
              return share > 0
                ? grow(revise({ input, parent }), share, parent, depth)
                : Promise.resolve([])
            }),
          )
          layer = settle(children.flat())
        }
      } catch (error) {
        if (!BudgetExhaustedError.isInstance(error) || nodes.length === 0) throw error
        stoppedBy = 'budget'
      }

      const chosen = best()
      if (!chosen) {
        throw new ApiCallError({
          message: `${model.provider}:${model.modelId} returned only failed outputs: treefinement has no program.`,
          isRetryable: false,
        })
      }
      const output: TreefinementOutput = {
        text: chosen.text,
        ...compact({ score: chosen.score }),
        candidates: nodes.map((node) => ({ text: node.text, ...compact({ score: node.score }) })),
        solved: solved(),
        rounds: round,
        nodes,
      }
      return { output, usage, ...compact({ stoppedBy }) }
    },
  }
}

function finiteScore(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) ? value : undefined
}

function emitNode(context: RunContext, node: TreefinementNode): void {
  context.emit({
    kind: 'node',
    id: node.id,
    ...compact({ parentId: node.parentId }),
    name: 'program',
    data: {
      text: node.text,
      score: node.score ?? null,
      depth: node.depth,
      feedback: node.feedback,
    },
  })
}
