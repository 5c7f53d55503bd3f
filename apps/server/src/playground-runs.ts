// The playground's runs: a strategy run started by `POST /api/runs` keeps every message it
// produced (trace events, usage counters, its end) so that an event stream opened at any time
// replays the run from its start and then follows it live; runs are cancelled by id.
import { randomUUID } from 'node:crypto'
import {
  AbortedError,
  type Budget,
  compact,
  type Generator,
  type TextInput,
  type TextOutput,
  type TraceEvent,
  type Usage,
} from '@metagen/core'
import { run, type StrategySpec } from '@metagen/orchestrator'
import type { OpenAiErrorBody } from './http-error.js'

/** State of a playground run. */
export type PlaygroundRunStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled'

/** What a run is asked to do (validated by the API layer). */
export interface PlaygroundRunRequest {
  /** Served model id. */
  model: string
  /** The validated strategy spec (defaults filled in). */
  strategy: StrategySpec
  /** The prompt sent to the model (a tinymath question is already formatted). */
  prompt: string
  /** The question as the user typed it, when the prompt was built from one. */
  question?: string
  /** Maximum generated tokens per model output. */
  maxTokens: number
  /** Seed of the run's RNG. */
  seed: number
  /** The run's budget (output tokens and wall time always set). */
  budget: Budget
}

/**
 * One message of a run's event stream (`data:` JSON of `GET /api/runs/:id/events`):
 * `status` when it changes (queued, running), `trace` for each trace event, `usage` with the
 * charged usage after each model call or scoring, and one last `end`.
 */
export type PlaygroundMessage =
  | { type: 'run'; run: PlaygroundRunSummary }
  | { type: 'status'; status: PlaygroundRunStatus }
  | { type: 'trace'; event: TraceEvent }
  | { type: 'usage'; usage: Usage; seconds: number }
  | {
      type: 'end'
      status: Exclude<PlaygroundRunStatus, 'queued' | 'running'>
      output?: { text: string; answer?: string; score?: number }
      usage?: Usage
      seconds?: number
      stoppedBy?: string
      error?: OpenAiErrorBody['error']
      /** Trace events not kept because the run exceeded the event limit. */
      droppedEvents?: number
    }

/** What `GET /api/runs/:id` and the first stream message say about a run. */
export interface PlaygroundRunSummary {
  id: string
  status: PlaygroundRunStatus
  model: string
  strategy: StrategySpec
  prompt: string
  question?: string
  maxTokens: number
  seed: number
  budget: Budget
  /** Milliseconds since the epoch when the run was created. */
  created: number
}

/** One run and its recorded messages. */
export interface PlaygroundRun {
  readonly id: string
  readonly request: PlaygroundRunRequest
  readonly status: PlaygroundRunStatus
  /** Every message so far, in order. */
  readonly messages: readonly PlaygroundMessage[]
  /** The summary (status included). */
  summary(): PlaygroundRunSummary
  /**
   * Calls `listener` with every message so far, then with each new one until the run ends.
   * Returns the function that stops listening.
   */
  subscribe(listener: (message: PlaygroundMessage) => void): () => void
  /**
   * Cancels the run with `reason` (default "The run was cancelled."); a no-op once it ended.
   * Returns true when it was still queued or running.
   */
  cancel(reason?: string): boolean
  /** Resolves when the run ended (never rejects). */
  readonly ended: Promise<void>
}

/** What a run needs to execute once admitted. */
export interface PlaygroundRunExecution {
  /** Builds the generator (in the served environment). */
  build: () => Promise<Generator<TextInput, TextOutput>>
  /**
   * Waits for admission; resolves with the release function. Rejects with the abort reason
   * when the run is cancelled while queued.
   */
  admit: (signal: AbortSignal) => Promise<() => void>
  /** Maps an error to the error body sent to the client. */
  describeError: (error: unknown) => OpenAiErrorBody['error']
  /** Aborts the run from outside (server shutdown, deadline). */
  signal?: AbortSignal
}

/** Options of {@link createPlaygroundRuns}. */
export interface PlaygroundRunsOptions {
  /** Finished runs kept for replay (oldest dropped first), an integer >= 0 (default 32). */
  keepFinished?: number
  /** Trace events kept per run (default 20000); later ones are counted, not kept. */
  maxEventsPerRun?: number
}

/** The runs of one server. */
export interface PlaygroundRuns {
  /** Creates and starts a run; it waits for admission, then runs. */
  start(request: PlaygroundRunRequest, execution: PlaygroundRunExecution): PlaygroundRun
  /** The run with this id, or undefined (unknown or dropped). */
  get(id: string): PlaygroundRun | undefined
  /** Cancels every queued or running run (server shutdown). */
  cancelAll(reason: string): void
  /** Runs not ended yet. */
  readonly active: number
}

/** Creates the run store of a server. */
export function createPlaygroundRuns(options: PlaygroundRunsOptions = {}): PlaygroundRuns {
  const keepFinished = options.keepFinished ?? 32
  const maxEvents = options.maxEventsPerRun ?? 20_000
  const runs = new Map<string, PlaygroundRun>()
  const finishedOrder: string[] = []
  let active = 0

  const forget = (id: string) => {
    finishedOrder.push(id)
    while (finishedOrder.length > keepFinished) runs.delete(finishedOrder.shift() as string)
  }

  return {
    start(request, execution) {
      const id = `run-${randomUUID()}`
      const created = Date.now()
      const abort = new AbortController()
      const signal = execution.signal
        ? AbortSignal.any([abort.signal, execution.signal])
        : abort.signal
      const messages: PlaygroundMessage[] = []
      const listeners = new Set<(message: PlaygroundMessage) => void>()
      let status: PlaygroundRunStatus = 'queued'
      let keptEvents = 0
      let droppedEvents = 0
      const summary = (): PlaygroundRunSummary => ({
        id,
        status,
        model: request.model,
        strategy: request.strategy,
        prompt: request.prompt,
        ...compact({ question: request.question }),
        maxTokens: request.maxTokens,
        seed: request.seed,
        budget: request.budget,
        created,
      })
      const publish = (message: PlaygroundMessage) => {
        if (message.type === 'trace') {
          if (keptEvents >= maxEvents) {
            droppedEvents++
            return
          }
          keptEvents++
        }
        messages.push(message)
        for (const listener of listeners) listener(message)
      }
      const setStatus = (next: PlaygroundRunStatus) => {
        status = next
        if (next === 'queued' || next === 'running') publish({ type: 'status', status: next })
      }
      publish({ type: 'run', run: summary() })
      setStatus('queued')
      active++

      const execute = async () => {
        let release: (() => void) | undefined
        try {
          release = await execution.admit(signal)
          setStatus('running')
          const generator = await execution.build()
          const result = await run(
            generator,
            { prompt: request.prompt, request: { maxTokens: request.maxTokens } },
            {
              seed: request.seed,
              signal,
              budget: request.budget,
              trace: { emit: (event) => publish({ type: 'trace', event }) },
              onProgress: (progress) =>
                publish({ type: 'usage', usage: { ...progress.usage }, seconds: progress.seconds }),
            },
          )
          status = 'done'
          publish({
            type: 'end',
            status: 'done',
            output: {
              text: result.output.text,
              ...compact({ answer: result.output.answer, score: result.output.score }),
            },
            usage: result.usage,
            seconds: result.seconds,
            ...compact({ stoppedBy: result.stoppedBy }),
            ...(droppedEvents > 0 ? { droppedEvents } : {}),
          })
        } catch (error) {
          const cancelled = abort.signal.aborted || AbortedError.isInstance(error)
          status = cancelled ? 'cancelled' : 'failed'
          publish({
            type: 'end',
            status,
            error: cancelled
              ? {
                  message: abortMessage(signal.reason),
                  type: 'invalid_request_error',
                  param: null,
                  code: 'cancelled',
                }
              : execution.describeError(error),
            ...(droppedEvents > 0 ? { droppedEvents } : {}),
          })
        } finally {
          release?.()
          active--
          listeners.clear()
          forget(id)
        }
      }
      const ended = execute()
      const playgroundRun: PlaygroundRun = {
        id,
        request,
        get status() {
          return status
        },
        messages,
        summary,
        subscribe(listener) {
          for (const message of [...messages]) listener(message)
          if (status === 'queued' || status === 'running') listeners.add(listener)
          return () => listeners.delete(listener)
        },
        cancel(reason = 'The run was cancelled.') {
          if (status !== 'queued' && status !== 'running') return false
          abort.abort(new AbortedError(reason))
          return true
        },
        ended,
      }
      runs.set(id, playgroundRun)
      return playgroundRun
    },
    get(id) {
      return runs.get(id)
    },
    cancelAll(reason) {
      for (const entry of runs.values()) {
        if (entry.status === 'queued' || entry.status === 'running') {
          entry.cancel(reason)
        }
      }
    },
    get active() {
      return active
    },
  }
}

function abortMessage(reason: unknown): string {
  return reason instanceof Error ? reason.message : 'The run was cancelled.'
}
