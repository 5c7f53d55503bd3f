// A step proposer over any core LanguageModel (local or remote): each expansion is one generate
// call with `n` samples of the prompt plus the partial solution, stopped at the step delimiter.
import {
  AbortedError,
  addUsage,
  assertCanContinue,
  BudgetExhaustedError,
  callModel,
  compact,
  continueInput,
  emptyUsage,
  type GenerateOutput,
  type GenerateRequest,
  InvalidArgumentError,
  type LanguageModel,
  type RunContext,
  type Usage,
} from '@metagen/core'
import { outputTokenShare } from './output-token-share.js'
import { splitUsage } from './split-usage.js'
import type {
  ProposedStep,
  ProposeRequest,
  ProposeResponse,
  ProposeResult,
  StartResponse,
  StepProposer,
  StepState,
} from './step-proposer.js'
import {
  assertProposeRequests,
  resolveStepProposerOptions,
  type StepProposerOptions,
} from './step-proposer-options.js'

/** Options of {@link createLanguageModelStepProposer}. */
export interface LanguageModelStepProposerOptions extends StepProposerOptions {
  /** The model that samples steps. */
  model: LanguageModel
  /**
   * Extra request fields for every call (e.g. `topP`, `providerOptions`); `prompt`, `n`, `stop`,
   * `maxTokens`, `temperature` and `signal` are set by the proposer.
   */
  request?: Omit<GenerateRequest, 'prompt' | 'messages' | 'n' | 'stop' | 'maxTokens' | 'signal'>
}

interface LanguageModelStateRecord {
  prompt: string
  released: boolean
}

/**
 * Creates a step proposer over a language model. Each propose request is one `generate` call
 * with `n = count`, the prompt continued by `state.text` and `stop: [delimiter]`; the calls of one
 * propose run concurrently (bounded by the context's limiter). The delimiter, which the model
 * strips as a stop sequence, is appended back to each step. A sample that ends with an empty
 * step and reason `stop` means the model ended the solution (end-of-text). The prefix is
 * re-sent (and, without prompt caching, recomputed) by every call: use
 * {@link createTokenModelStepProposer} on local models to share it.
 *
 * The partial solution is continued in the form the model supports
 * (`capabilities.continuation`): `prompt + state.text` as the prompt on completion models, a
 * user message with the prompt and a trailing assistant message `state.text` on chat models
 * with assistant prefill (Anthropic, vLLM's `continue_final_message`). A model that cannot
 * continue (OpenAI chat) is refused with {@link InvalidArgumentError}: it would answer afresh.
 */
export function createLanguageModelStepProposer(
  options: LanguageModelStepProposerOptions,
): StepProposer {
  const model = options.model
  if (!model || typeof model.generate !== 'function') {
    throw new InvalidArgumentError({
      argument: 'model',
      expected: 'a LanguageModel',
      received: model,
    })
  }
  assertCanContinue('model', model, 'step search')
  const resolved = resolveStepProposerOptions(options)
  const records = new WeakMap<StepState, LanguageModelStateRecord>()

  function makeState(
    record: LanguageModelStateRecord,
    fields: Omit<StepState, 'finished'> & { finished?: boolean },
  ): StepState {
    let finished = fields.finished ?? fields.finishReason !== undefined
    let finishReason = fields.finishReason
    if (!finished && fields.generatedTokens >= resolved.maxTokens) {
      finished = true
      finishReason = 'length'
    }
    const state: StepState = Object.freeze({ ...fields, finished, finishReason })
    records.set(state, { prompt: record.prompt, released: false })
    return state
  }

  function childFromOutput(
    parent: StepState,
    record: LanguageModelStateRecord,
    output: GenerateOutput,
    tokens: number,
    usage: Usage,
  ): ProposedStep {
    let step = output.text
    let finishReason: StepState['finishReason']
    if (output.finishReason === 'stop') {
      if (step === '') {
        finishReason = 'stop'
      } else {
        step += resolved.delimiter
        if (resolved.isComplete?.(parent.text + step)) finishReason = 'stop'
      }
    } else {
      finishReason = output.finishReason
    }
    const state = makeState(record, {
      text: parent.text + step,
      steps: step === '' ? parent.steps : [...parent.steps, step],
      finishReason,
      generatedTokens: parent.generatedTokens + tokens,
    })
    return { state, step, usage }
  }

  return {
    name: `lm:${model.modelId}`,

    async start(input) {
      if (typeof input?.prompt !== 'string') {
        throw new InvalidArgumentError({
          argument: 'input.prompt',
          expected: 'a prompt string',
          received: input?.prompt,
        })
      }
      const record = { prompt: input.prompt, released: false }
      const root = makeState(record, {
        text: '',
        steps: [],
        finishReason: undefined,
        generatedTokens: 0,
      })
      return { root, usage: emptyUsage() } satisfies StartResponse
    },

    async propose(requests: readonly ProposeRequest[], context: RunContext) {
      assertProposeRequests(requests)
      const parents = requests.map((request, index) => {
        const record = records.get(request.state)
        if (!record || record.released || request.state.finished) {
          throw new InvalidArgumentError({
            argument: `requests[${index}].state`,
            expected: 'an unfinished, unreleased state made by this proposer',
            received: request.state?.text,
          })
        }
        return record
      })
      const total = requests.reduce((sum, request) => sum + request.count, 0)
      const share = outputTokenShare(context, total, resolved.maxStepTokens)
      const callsLeft = context.budget.remainingCalls()
      const settled = await Promise.allSettled(
        requests.map(async (request, index) => {
          if (index >= callsLeft) throw new BudgetExhaustedError({ limit: 'calls' })
          const record = parents[index] as LanguageModelStateRecord
          const ownCap = Math.min(
            resolved.maxStepTokens,
            Math.max(1, resolved.maxTokens - request.state.generatedTokens),
          )
          const maxTokens = Math.min(share, ownCap)
          const continued = continueInput(
            { prompt: record.prompt },
            request.state.text,
            model,
            'step search',
          )
          return callModel(context, model, {
            ...options.request,
            ...compact({ prompt: continued.prompt, messages: continued.messages }),
            n: request.count,
            maxTokens,
            stop: [resolved.delimiter],
            temperature: resolved.temperature,
          })
        }),
      )
      let budgetLimited = false
      let usage = emptyUsage()
      const results: ProposeResult[] = []
      let budgetFailures = 0
      settled.forEach((outcome, index) => {
        const request = requests[index] as ProposeRequest
        const record = parents[index] as LanguageModelStateRecord
        if (outcome.status === 'rejected') {
          const reason = outcome.reason as unknown
          if (AbortedError.isInstance(reason)) throw reason
          if (BudgetExhaustedError.isInstance(reason)) budgetFailures++
          results.push({ children: [], error: errorMessage(reason) })
          return
        }
        const result = outcome.value
        usage = addUsage(usage, result.usage)
        const outputs = result.outputs
        const estimated = Math.floor(result.usage.outputTokens / Math.max(1, outputs.length))
        const tokens = outputs.map((output) => output.tokenIds?.length ?? estimated)
        const shares = splitUsage(result.usage, tokens)
        const children: ProposedStep[] = []
        const errors: string[] = []
        const ownCap = Math.min(
          resolved.maxStepTokens,
          Math.max(1, resolved.maxTokens - request.state.generatedTokens),
        )
        outputs.forEach((output, outputIndex) => {
          if (share < ownCap && output.finishReason === 'length') budgetLimited = true
          if (output.error) {
            errors.push(output.error.message)
            return
          }
          children.push(
            childFromOutput(
              request.state,
              record,
              output,
              tokens[outputIndex] ?? 0,
              shares[outputIndex] ?? emptyUsage(),
            ),
          )
        })
        results.push(errors.length > 0 ? { children, error: errors.join('; ') } : { children })
      })
      if (budgetFailures === requests.length) {
        throw new BudgetExhaustedError({ limit: context.budget.exhaustedLimit() ?? 'calls' })
      }
      return { results, usage, budgetLimited } satisfies ProposeResponse
    },

    release(state) {
      const record = records.get(state)
      if (record) record.released = true
    },
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
