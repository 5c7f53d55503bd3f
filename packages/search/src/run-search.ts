// The skeleton every search generator shares: validate the input, open a session (with the
// search's own budget), run the algorithm, stop cleanly on budget exhaustion, free every cache,
// and answer with the best complete solution found.
import {
  BudgetExhaustedError,
  type Candidate,
  compact,
  type GeneratorResult,
  InvalidArgumentError,
  type RunContext,
  type TextInput,
  type TextOutput,
} from '@metagen/core'
import type { ResolvedSearchOptions } from './search-options.js'
import { compareNodes, isComplete, type SearchNode, SearchSession } from './search-session.js'
import { createNestedBudgetTracker, withBudget } from './with-budget.js'

/** The output of every search: the chosen solution plus what the search did. */
export interface SearchOutput extends TextOutput {
  /**
   * Sampled next steps merged into an identical sibling (scored and expanded once; see
   * `mergeIdenticalSteps`). Also in the search's closing `search-summary` trace note.
   */
  mergedSteps: number
}

/**
 * Runs `explore` on a new session for `input.prompt` and builds the generator's result.
 * When the budget runs out (a {@link BudgetExhaustedError} from any call), the search stops,
 * `stoppedBy` is `budget` and the output is the best complete solution found so far (or, if
 * none was completed, the best scored partial solution with finish reason `length`).
 * Other errors free the caches and propagate.
 */
export async function runSearch(
  input: TextInput,
  context: RunContext,
  options: ResolvedSearchOptions,
  explore: (session: SearchSession) => Promise<void>,
): Promise<GeneratorResult<SearchOutput>> {
  if (typeof input?.prompt !== 'string' || input.prompt.length === 0) {
    throw new InvalidArgumentError({
      argument: 'input.prompt',
      expected: 'a non-empty prompt string (step-level search continues plain-text prompts)',
      received: input?.prompt,
    })
  }
  const runContext = options.budget
    ? withBudget(context, createNestedBudgetTracker(context.budget, options.budget))
    : context
  let session: SearchSession
  try {
    session = await SearchSession.open(input.prompt, runContext, options)
  } catch (error) {
    if (BudgetExhaustedError.isInstance(error)) {
      return {
        output: { text: '', finishReason: 'length', candidates: [], mergedSteps: 0 },
        usage: { inputTokens: 0, outputTokens: 0, calls: 0 },
        stoppedBy: 'budget',
      }
    }
    throw error
  }
  let stoppedBy: 'budget' | undefined
  try {
    await explore(session)
  } catch (error) {
    if (!BudgetExhaustedError.isInstance(error)) throw error
    stoppedBy = 'budget'
  } finally {
    session.releaseAll()
  }
  if (session.budgetLimited || runContext.budget.isExhausted()) stoppedBy = 'budget'
  const best = session.bestAnswer()
  const candidates: Candidate[] = [...session.completed]
    .sort(compareNodes)
    .map((node) => toCandidate(node, options))
  const mergedSteps = session.mergedSteps
  session.note('search-summary', {
    nodes: session.nodes.length,
    completed: session.completed.length,
    mergedSteps,
  })
  const output: SearchOutput = best
    ? {
        ...toCandidate(best, options),
        finishReason: isComplete(best) ? 'stop' : 'length',
        candidates,
        mergedSteps,
      }
    : { text: '', finishReason: 'length', candidates, mergedSteps }
  return { output, usage: session.usage, ...compact({ stoppedBy }) }
}

function toCandidate(node: SearchNode, options: ResolvedSearchOptions): Candidate {
  const answer = options.extractAnswer?.(node.state.text)
  return {
    text: node.state.text,
    ...compact({ answer, score: node.score, finishReason: node.state.finishReason }),
  }
}
