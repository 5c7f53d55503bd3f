// The view model of a run, folded from its trace events one at a time (live over server-sent
// events, or all at once from a saved trace): search nodes (with multiplicity, visits, scores,
// the chosen path and pruned branches), the model calls that produced them, votes of parallel
// strategies, refinement rounds of chained ones, samples, and the usage so far. Pure: no DOM.

/** Token and call counts (the server's Usage). */
export interface UsageCounts {
  inputTokens: number
  outputTokens: number
  calls: number
  flops?: number
  costUsd?: number
}

/** A trace event as the server sends it (see TraceEvent in @metagen/core). */
export interface TraceEventLike {
  kind: string
  id: string
  parentId?: string
  name: string
  time?: number
  usage?: UsageCounts
  data?: Record<string, unknown>
}

/** One search node. */
export interface SearchNode {
  id: string
  /** Parent search node id (undefined for a search root). */
  parentId?: string
  /** Children in emission order. */
  children: string[]
  depth: number
  /** The step this node added. */
  step: string
  /** The whole partial solution. */
  text: string
  /** Score in [0, 1] when known (null: not scored, e.g. the root). */
  score: number | null
  /** MCTS visits (0 when the strategy does not count them). */
  visits: number
  /** Mean value of an MCTS node, when reported. */
  value?: number
  /** How many identical samples this node stands for (merged steps; 1 by default). */
  multiplicity: number
  finished: boolean
  /** Set by the strategy (`data.pruned`), or derived when the run ended: an unfinished leaf. */
  pruned: boolean
  /** On the path to the returned solution. */
  chosen: boolean
  usage?: UsageCounts
  /** The model call that produced this node (`data.callId`, else the call traced just before it). */
  callId?: string
  /** Every data field of the event(s), for the details panel. */
  data: Record<string, unknown>
  /** Order of creation. */
  order: number
}

/** One model call. */
export interface ModelCall {
  id: string
  name: string
  usage?: UsageCounts
  data: Record<string, unknown>
  time?: number
}

/** A vote (majority, weighted) over extracted answers. */
export interface Vote {
  id: string
  name: string
  entries: Array<{ key: string; count: number; weight: number }>
  /** The key that won (the output's answer when known, else the top entry). */
  winner?: string
  samples?: number
}

/** A scored selection without answers (best-of-n, MBR): one bar per sample. */
export interface Selection {
  id: string
  name: string
  scores: Array<number | null>
  chosen?: number
}

/** One round of a refinement strategy (a span whose data has `round`). */
export interface RefinementRound {
  id: string
  name: string
  round: number
  text?: string
  feedback?: string
  score?: number
  answer?: string
  done?: boolean
  usage?: UsageCounts
}

/** The whole view model. */
export interface RunView {
  nodes: Map<string, SearchNode>
  /** Search roots in creation order. */
  roots: string[]
  calls: Map<string, ModelCall>
  votes: Vote[]
  selections: Selection[]
  rounds: RefinementRound[]
  /** Texts of the samples drawn by model calls (parallel strategies), in order. */
  samples: Array<{ text: string; callId: string }>
  /** Sum of the model calls' usage seen so far. */
  usage: UsageCounts
  /** Milliseconds since the run started, of the latest event. */
  time: number
  /** The returned output, once the root span ended. */
  output?: { text: string; answer?: string; score?: number }
  /** True once the run ended (root span closed or `finish` called). */
  ended: boolean
  /** The root strategy name (first span). */
  strategy?: string
  /** Spans open now (id to name), and the root span id. */
  rootSpanId?: string
  /** Events folded so far. */
  eventCount: number
  /** Id of the latest model call folded (links nodes that do not name their call). */
  lastCallId?: string
}

/** A fresh, empty view. */
export function createRunView(): RunView {
  return {
    nodes: new Map(),
    roots: [],
    calls: new Map(),
    votes: [],
    selections: [],
    rounds: [],
    samples: [],
    usage: { inputTokens: 0, outputTokens: 0, calls: 0 },
    time: 0,
    ended: false,
    eventCount: 0,
  }
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback
}

function addCounts(total: UsageCounts, usage: UsageCounts | undefined): void {
  if (!usage) return
  total.inputTokens += usage.inputTokens ?? 0
  total.outputTokens += usage.outputTokens ?? 0
  total.calls += usage.calls ?? 0
  if (usage.flops !== undefined) total.flops = (total.flops ?? 0) + usage.flops
  if (usage.costUsd !== undefined) total.costUsd = (total.costUsd ?? 0) + usage.costUsd
}

/**
 * Folds one trace event into `view` (mutating it) and returns it. Node events create or update
 * search nodes (a node traced again keeps its place and takes the new data); `mcts-visits` notes
 * update visits; tally notes become votes; score lists of best-of-n / MBR become selections;
 * closed spans with a `round` become refinement rounds; the root span's end sets the output,
 * marks the chosen path and the pruned leaves.
 */
export function applyTraceEvent(view: RunView, event: TraceEventLike): RunView {
  view.eventCount++
  if (typeof event.time === 'number') view.time = Math.max(view.time, event.time)
  const data = event.data ?? {}
  switch (event.kind) {
    case 'span-start':
      if (view.rootSpanId === undefined) {
        view.rootSpanId = event.id
        view.strategy = event.name
      }
      break
    case 'span-end': {
      if (typeof data.round === 'number') {
        view.rounds.push({
          id: event.id,
          name: event.name,
          round: data.round,
          ...optionalString('text', data.text),
          ...optionalString('feedback', data.feedback),
          ...optionalString('answer', data.answer),
          ...(typeof data.score === 'number' ? { score: data.score } : {}),
          ...(typeof data.done === 'boolean' ? { done: data.done } : {}),
          ...(event.usage ? { usage: event.usage } : {}),
        })
        view.rounds.sort((a, b) => a.round - b.round)
      }
      if (event.id === view.rootSpanId) {
        const output = data.output as { text?: unknown; answer?: unknown; score?: unknown }
        if (output && typeof output.text === 'string') {
          view.output = {
            text: output.text,
            ...(typeof output.answer === 'string' ? { answer: output.answer } : {}),
            ...(typeof output.score === 'number' ? { score: output.score } : {}),
          }
        }
        finishRunView(view)
      }
      break
    }
    case 'model-call': {
      view.calls.set(event.id, {
        id: event.id,
        name: event.name,
        ...(event.usage ? { usage: event.usage } : {}),
        data,
        ...(typeof event.time === 'number' ? { time: event.time } : {}),
      })
      view.lastCallId = event.id
      addCounts(view.usage, event.usage)
      const outputs = data.outputs
      if (Array.isArray(outputs)) {
        for (const output of outputs) {
          const text = (output as { text?: unknown })?.text
          if (typeof text === 'string') view.samples.push({ text, callId: event.id })
        }
      }
      break
    }
    case 'node':
      applyNode(view, event, data)
      break
    case 'note':
      applyNote(view, event, data)
      break
    default:
      break
  }
  return view
}

function optionalString<TKey extends string>(
  key: TKey,
  value: unknown,
): Partial<Record<TKey, string>> {
  return typeof value === 'string' ? ({ [key]: value } as Record<TKey, string>) : {}
}

function applyNode(view: RunView, event: TraceEventLike, data: Record<string, unknown>): void {
  const existing = view.nodes.get(event.id)
  if (existing) {
    Object.assign(existing.data, data)
    readNodeFields(existing, existing.data)
    if (event.usage) existing.usage = event.usage
    return
  }
  const parentId =
    event.parentId !== undefined && view.nodes.has(event.parentId) ? event.parentId : undefined
  const node: SearchNode = {
    id: event.id,
    ...(parentId !== undefined ? { parentId } : {}),
    children: [],
    depth: 0,
    step: '',
    text: '',
    score: null,
    visits: 0,
    multiplicity: 1,
    finished: false,
    pruned: false,
    chosen: false,
    ...(event.usage ? { usage: event.usage } : {}),
    data: { ...data },
    order: view.nodes.size,
  }
  readNodeFields(node, node.data)
  const callId = typeof data.callId === 'string' ? data.callId : view.lastCallId
  if (callId !== undefined) node.callId = callId
  if (parentId === undefined && typeof data.depth !== 'number') node.depth = 0
  if (parentId !== undefined) {
    const parent = view.nodes.get(parentId) as SearchNode
    parent.children.push(node.id)
    if (typeof data.depth !== 'number') node.depth = parent.depth + 1
  }
  view.nodes.set(node.id, node)
  if (parentId === undefined) view.roots.push(node.id)
}

function readNodeFields(node: SearchNode, data: Record<string, unknown>): void {
  node.depth = numberOr(data.depth, node.depth)
  if (typeof data.step === 'string') node.step = data.step
  if (typeof data.text === 'string') node.text = data.text
  node.score = typeof data.score === 'number' && Number.isFinite(data.score) ? data.score : null
  node.visits = numberOr(data.visits, node.visits)
  if (typeof data.value === 'number') node.value = data.value
  // A multiplicity below 1 is not meaningful for drawing: such a node counts once.
  node.multiplicity = Math.max(1, numberOr(data.multiplicity, node.multiplicity))
  node.finished = data.finished === true
  if (typeof data.pruned === 'boolean') node.pruned = data.pruned
  if (data.chosen === true || data.selected === true) node.chosen = true
}

function applyNote(view: RunView, event: TraceEventLike, data: Record<string, unknown>): void {
  if (event.name === 'mcts-visits' && Array.isArray(data.nodes)) {
    for (const entry of data.nodes as Array<{ id?: unknown; visits?: unknown; value?: unknown }>) {
      const node = typeof entry.id === 'string' ? view.nodes.get(entry.id) : undefined
      if (!node) continue
      node.visits = numberOr(entry.visits, node.visits)
      if (typeof entry.value === 'number') node.value = entry.value
    }
    return
  }
  if (Array.isArray(data.tally)) {
    const entries = (data.tally as Array<Record<string, unknown>>)
      .filter((entry) => entry && typeof entry.key === 'string')
      .map((entry) => ({
        key: entry.key as string,
        count: numberOr(entry.count, 0),
        weight: numberOr(entry.weight, numberOr(entry.count, 0)),
      }))
    view.votes.push({
      id: event.id,
      name: event.name,
      entries,
      ...(entries[0] ? { winner: entries[0].key } : {}),
      ...(typeof data.samples === 'number' ? { samples: data.samples } : {}),
    })
    return
  }
  const scores = Array.isArray(data.scores)
    ? data.scores
    : Array.isArray(data.expectedUtilities)
      ? data.expectedUtilities
      : undefined
  if (scores) {
    view.selections.push({
      id: event.id,
      name: event.name,
      scores: scores.map((score) => (typeof score === 'number' ? score : null)),
      ...(typeof data.chosen === 'number' ? { chosen: data.chosen } : {}),
    })
  }
}

/**
 * Marks the run as ended: the chosen path (the finished node whose text is the output's, with
 * the highest score, and its ancestors; nodes the strategy marked `chosen` keep their mark),
 * unfinished leaves as pruned, and each vote's winner as the output's answer when it is there.
 * Idempotent.
 */
export function finishRunView(view: RunView): RunView {
  view.ended = true
  for (const node of view.nodes.values()) {
    if (!node.finished && node.children.length === 0 && node.data.pruned !== false) {
      node.pruned = true
    }
  }
  const output = view.output
  if (output) {
    const target = output.text.trim()
    let best: SearchNode | undefined
    for (const node of view.nodes.values()) {
      if (node.text.trim() !== target || node.text === '') continue
      if (!best || (node.finished && !best.finished) || (node.score ?? -1) > (best.score ?? -1)) {
        best = node
      }
    }
    for (let node = best; node; node = node.parentId ? view.nodes.get(node.parentId) : undefined) {
      node.chosen = true
      node.pruned = false
    }
    if (output.answer !== undefined) {
      for (const vote of view.votes) {
        if (vote.entries.some((entry) => entry.key === output.answer)) vote.winner = output.answer
      }
    }
  }
  return view
}

/** Folds a whole list of events into a fresh view (a saved trace). */
export function buildRunView(events: readonly TraceEventLike[]): RunView {
  const view = createRunView()
  for (const event of events) applyTraceEvent(view, event)
  return view
}
