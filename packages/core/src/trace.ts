// Trace events: the tree of calls a run made, so that a search tree can be drawn and a run
// replayed in a report. Events are plain JSON-serialisable objects.
import type { Usage } from './usage.js'

/** Kind of a trace event. */
export type TraceEventKind = 'span-start' | 'span-end' | 'model-call' | 'score' | 'node' | 'note'

/** One event of a run's trace. */
export interface TraceEvent {
  /** What happened: a generator span opened or closed, a model call, a scoring, a search node, a note. */
  kind: TraceEventKind
  /** Id of the span, call or node; unique within a run. A `span-end` repeats its span's id. */
  id: string
  /** Id of the enclosing span or parent node; undefined for the root. */
  parentId?: string
  /** Generator, model or node name, e.g. `majority-vote`, `tinymath-draft`, `step`. */
  name: string
  /** Milliseconds since the run started. */
  time: number
  /** What this event cost (model calls, closed spans, nodes). */
  usage?: Usage
  /** Event-specific data: inputs, outputs, scores, visits; JSON-serialisable. */
  data?: Record<string, unknown>
}

/** Receives trace events. */
export interface TraceSink {
  emit(event: TraceEvent): void
}

/** A sink that drops every event. */
export const noopTraceSink: TraceSink = { emit() {} }

/** A sink that keeps the events in memory, in order. */
export interface CollectingTraceSink extends TraceSink {
  readonly events: TraceEvent[]
}

/** Creates a sink that collects events in an array. */
export function createCollectingTraceSink(): CollectingTraceSink {
  const events: TraceEvent[] = []
  return {
    events,
    emit(event) {
      events.push(event)
    },
  }
}
