// Traces as files and trees: JSON lines (one event per line) for saving and streaming, and the
// tree of spans, model calls, scorings and search nodes that the CLI draws.
import {
  compact,
  InvalidArgumentError,
  type TraceEvent,
  type TraceSink,
  type Usage,
} from '@metagen/core'

const eventKinds = new Set(['span-start', 'span-end', 'model-call', 'score', 'node', 'note'])

/** Serialises events as JSON lines (one JSON object per line, each line ending with `\n`). */
export function traceToJsonLines(events: readonly TraceEvent[]): string {
  return events.map((event) => `${JSON.stringify(event)}\n`).join('')
}

/**
 * The traces of several runs (e.g. one per problem of an evaluation) as one event list that the
 * trace tree can draw: each run gets a `note` root event named `problem <id>` (data: expected,
 * answer, correct), and its events' ids and parent ids are prefixed with `<id>/` so that ids stay
 * unique across runs; a run's top-level events hang under its root.
 */
export function mergeRunTraces(
  runs: ReadonlyArray<{
    id: string
    trace?: readonly TraceEvent[] | undefined
    data?: Record<string, unknown>
  }>,
): TraceEvent[] {
  const merged: TraceEvent[] = []
  for (const run of runs) {
    if (!run.trace) continue
    merged.push({
      kind: 'note',
      id: run.id,
      name: `problem ${run.id}`,
      time: 0,
      ...compact({ data: run.data }),
    })
    for (const event of run.trace) {
      merged.push({
        ...event,
        id: `${run.id}/${event.id}`,
        parentId: event.parentId === undefined ? run.id : `${run.id}/${event.parentId}`,
      })
    }
  }
  return merged
}

/** A sink that writes each event as one JSON line through `write` as it happens. */
export function createJsonLinesTraceSink(write: (line: string) => void): TraceSink {
  return {
    emit(event) {
      write(`${JSON.stringify(event)}\n`)
    },
  }
}

/**
 * Parses JSON lines back into events (blank lines are skipped). Throws
 * {@link InvalidArgumentError} naming the line of a malformed event.
 */
export function parseTraceJsonLines(text: string, source = 'trace'): TraceEvent[] {
  const events: TraceEvent[] = []
  const lines = text.split('\n')
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] as string).trim()
    if (line === '') continue
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (error) {
      throw new InvalidArgumentError({
        argument: `${source}:${index + 1}`,
        expected: 'a JSON trace event per line',
        received: line.slice(0, 60),
        cause: error,
      })
    }
    const event = value as Partial<TraceEvent>
    if (
      value === null ||
      typeof value !== 'object' ||
      typeof event.kind !== 'string' ||
      !eventKinds.has(event.kind) ||
      typeof event.id !== 'string' ||
      typeof event.name !== 'string'
    ) {
      throw new InvalidArgumentError({
        argument: `${source}:${index + 1}`,
        expected: 'a trace event with kind, id and name',
        received: line.slice(0, 60),
      })
    }
    events.push(event as TraceEvent)
  }
  return events
}

/** One node of a trace tree. */
export interface TraceTreeNode {
  /** The event id. */
  id: string
  /** `span` for a generator span (start and end merged), else the event kind. */
  kind: 'span' | 'model-call' | 'score' | 'node' | 'note'
  /** Generator, model, scorer or node name. */
  name: string
  /** Milliseconds since the run started (span: its start). */
  time: number
  /** Span duration in milliseconds (spans that ended only). */
  duration?: number
  /** Usage of the event (spans: the generator's total). */
  usage?: Usage
  /** Event data; for spans the start data merged with the end data. */
  data: Record<string, unknown>
  /** Children in emission order. */
  children: TraceTreeNode[]
}

/**
 * Builds the tree of a trace: spans contain the events emitted inside them; search nodes hang
 * under their parent node. Events whose parent is unknown become roots.
 */
export function buildTraceTree(events: readonly TraceEvent[]): TraceTreeNode[] {
  const nodes = new Map<string, TraceTreeNode>()
  const parents = new Map<string, string | undefined>()
  const order: TraceTreeNode[] = []
  for (const event of events) {
    if (event.kind === 'span-end') {
      const span = nodes.get(event.id)
      if (span) {
        span.duration = event.time - span.time
        if (event.usage) span.usage = event.usage
        Object.assign(span.data, event.data ?? {})
        continue
      }
    }
    const existing = nodes.get(event.id)
    if (existing && event.kind === 'node') {
      // A node traced again (e.g. with updated visits) keeps its place and takes the new data.
      Object.assign(existing.data, event.data ?? {})
      if (event.usage) existing.usage = event.usage
      continue
    }
    const node: TraceTreeNode = {
      id: event.id,
      kind: event.kind === 'span-start' || event.kind === 'span-end' ? 'span' : event.kind,
      name: event.name,
      time: event.time,
      ...compact({ usage: event.usage }),
      data: { ...(event.data ?? {}) },
      children: [],
    }
    nodes.set(event.id, node)
    parents.set(event.id, event.parentId)
    order.push(node)
  }
  const roots: TraceTreeNode[] = []
  for (const node of order) {
    const parentId = parents.get(node.id)
    const parent = parentId !== undefined ? nodes.get(parentId) : undefined
    if (parent && parent !== node) parent.children.push(node)
    else roots.push(node)
  }
  return roots
}
