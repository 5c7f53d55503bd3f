// Generators (meta-generators): programs that call language models, scorers and other
// generators. Every one has a single `run(input, context)` method, so they compose freely.
import type { BudgetTracker } from './budget.js'
import type { ConcurrencyLimiter } from './concurrency.js'
import type { ChatMessage, FinishReason, GenerateRequest } from './language-model.js'
import type { Rng } from './rng.js'
import type { TraceEvent, TraceSink } from './trace.js'
import type { Usage } from './usage.js'

/** Shared state of one run, passed down to every generator it calls. */
export interface RunContext {
  /** The run's budget; generators check it before each call and stop early when it runs out. */
  readonly budget: BudgetTracker
  /** Seeded randomness. Generators fork it (`rng.fork(label)`) for their children. */
  readonly rng: Rng
  /** Where trace events go. */
  readonly trace: TraceSink
  /** Limits concurrent model calls across the whole run. */
  readonly limiter: ConcurrencyLimiter
  /** Cancels the run. */
  readonly signal: AbortSignal | undefined
  /** Id of the enclosing span, the parent of events emitted with this context. */
  readonly spanId: string | undefined
  /** A fresh id, unique within the run. */
  nextId(prefix?: string): string
  /** Milliseconds since the run started. */
  elapsed(): number
  /** Emits an event with `time` filled in and `parentId` defaulting to this context's span. */
  emit(event: Omit<TraceEvent, 'time' | 'parentId'> & { parentId?: string }): void
  /** A context for a child span (same budget, limiter, signal; `rng` forked by `name`). */
  child(span: { id: string; rngLabel?: string | number }): RunContext
}

/** What a generator returns. */
export interface GeneratorResult<TOutput> {
  /** The output. */
  output: TOutput
  /** Compute spent by this run of the generator, children included. */
  usage: Usage
  /** Set when the generator stopped early because the budget ran out (output is the best so far). */
  stoppedBy?: 'budget'
}

/** A generator of the survey's sense: maps an input to an output by calling models. */
export interface Generator<TInput, TOutput> {
  /** Name for traces, e.g. `best-of-n`. */
  readonly name: string
  /** Runs the generator. Throws {@link AbortedError} when the context's signal aborts. */
  run(input: TInput, context: RunContext): Promise<GeneratorResult<TOutput>>
}

/** The input of text generators: a prompt or chat messages. */
export interface TextInput {
  /** Plain-text prompt. */
  prompt?: string
  /** Chat messages. */
  messages?: readonly ChatMessage[]
  /** Extra request fields that every model call of this run should carry. */
  request?: Omit<GenerateRequest, 'prompt' | 'messages' | 'n' | 'signal'>
}

/** The output of text generators. */
export interface TextOutput {
  /** The chosen text. */
  text: string
  /** The extracted final answer, where an extractor was given. */
  answer?: string
  /** The chosen output's score, where a scorer chose it. */
  score?: number
  /** Why the chosen text ended. */
  finishReason?: FinishReason
  /** Candidates considered (meta-generators that choose among several set this). */
  candidates?: Candidate[]
}

/** One candidate output considered by a meta-generator. */
export interface Candidate {
  text: string
  answer?: string
  score?: number
  finishReason?: FinishReason
  /** Sum of token log-probabilities, where known. */
  logprob?: number
  /** Set when producing this candidate failed. */
  error?: string
}
