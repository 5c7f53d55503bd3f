// The server's counters and their Prometheus text exposition (GET /metrics): requests by status,
// queue depth, work in flight, generated tokens (total and per second) and model load states.

/** Load state of a served model. */
export type ModelLoadState = 'unloaded' | 'loading' | 'loaded' | 'failed'

/** Counters of one server; the server updates them, {@link ServerMetrics.render} prints them. */
export interface ServerMetrics {
  /** Counts one finished request with its HTTP status. */
  recordRequest(status: number): void
  /** Adds generated and prompt tokens of a finished request. */
  recordTokens(promptTokens: number, completionTokens: number): void
  /** Sets the load state of a served model. */
  setModelState(modelId: string, state: ModelLoadState): void
  /** The current load state of a model (`unloaded` when never set). */
  modelState(modelId: string): ModelLoadState
  /**
   * The Prometheus text format (version 0.0.4) of every metric, with the gauges read now:
   * `queued`, `inFlightRequests` and `inFlightWork` come from the admission control.
   */
  render(gauges: { queued: number; inFlightRequests: number; inFlightWork: number }): string
}

/** Window of the tokens-per-second gauge, in milliseconds. */
const rateWindowMs = 10_000

/** Creates the metrics of one server. */
export function createServerMetrics(): ServerMetrics {
  const requestsByStatus = new Map<number, number>()
  const modelStates = new Map<string, ModelLoadState>()
  let promptTokens = 0
  let completionTokens = 0
  const recent: Array<{ at: number; tokens: number }> = []
  const started = Date.now()

  const prune = (now: number) => {
    while (recent.length > 0 && (recent[0] as { at: number }).at < now - rateWindowMs)
      recent.shift()
  }

  return {
    recordRequest(status) {
      requestsByStatus.set(status, (requestsByStatus.get(status) ?? 0) + 1)
    },
    recordTokens(prompt, completion) {
      promptTokens += prompt
      completionTokens += completion
      const now = Date.now()
      recent.push({ at: now, tokens: completion })
      prune(now)
    },
    setModelState(modelId, state) {
      modelStates.set(modelId, state)
    },
    modelState: (modelId) => modelStates.get(modelId) ?? 'unloaded',
    render(gauges) {
      const now = Date.now()
      prune(now)
      const windowSeconds = Math.min(rateWindowMs, Math.max(1, now - started)) / 1000
      const recentTokens = recent.reduce((sum, entry) => sum + entry.tokens, 0)
      const lines: string[] = []
      const metric = (name: string, type: string, help: string, samples: string[]) => {
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples)
      }
      metric(
        'metagen_requests_total',
        'counter',
        'Finished HTTP requests by status code.',
        [...requestsByStatus.entries()]
          .sort(([a], [b]) => a - b)
          .map(([status, count]) => `metagen_requests_total{status="${status}"} ${count}`),
      )
      metric('metagen_queue_depth', 'gauge', 'Requests waiting for admission.', [
        `metagen_queue_depth ${gauges.queued}`,
      ])
      metric('metagen_requests_in_flight', 'gauge', 'Admitted requests running now.', [
        `metagen_requests_in_flight ${gauges.inFlightRequests}`,
      ])
      metric(
        'metagen_in_flight_sample_tokens',
        'gauge',
        'Admitted work in flight: samples x max tokens of the running requests.',
        [`metagen_in_flight_sample_tokens ${gauges.inFlightWork}`],
      )
      metric('metagen_prompt_tokens_total', 'counter', 'Prompt tokens of finished requests.', [
        `metagen_prompt_tokens_total ${promptTokens}`,
      ])
      metric(
        'metagen_completion_tokens_total',
        'counter',
        'Generated tokens of finished requests.',
        [`metagen_completion_tokens_total ${completionTokens}`],
      )
      metric(
        'metagen_completion_tokens_per_second',
        'gauge',
        'Generated tokens per second over the last 10 seconds (finished requests).',
        [`metagen_completion_tokens_per_second ${(recentTokens / windowSeconds).toFixed(3)}`],
      )
      const states: ModelLoadState[] = ['unloaded', 'loading', 'loaded', 'failed']
      metric(
        'metagen_model_state',
        'gauge',
        'Load state of each served model (1 for its current state).',
        [...modelStates.keys()].flatMap((model) =>
          states.map(
            (state) =>
              `metagen_model_state{model="${escapeLabel(model)}",state="${state}"} ${modelStates.get(model) === state ? 1 : 0}`,
          ),
        ),
      )
      return `${lines.join('\n')}\n`
    },
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}
