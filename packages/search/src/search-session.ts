// The state of one search: its tree of nodes, expansion through the proposer, scoring through
// the scorer, trace events for every node, the pool of complete solutions and the usage spent.
import {
  addUsage,
  callScorer,
  compact,
  emptyUsage,
  type RunContext,
  type Score,
  type Usage,
} from '@metagen/core'
import { aggregateStepScores } from './aggregate-step-scores.js'
import type { ResolvedSearchOptions } from './search-options.js'
import type { StepState } from './step-proposer.js'

/** A node of a search tree: one partial or complete solution. */
export interface SearchNode {
  /** Trace id, unique within the run. */
  readonly id: string
  /** The node this one extends by one step; undefined for the root. */
  readonly parent: SearchNode | undefined
  /** The solution so far. */
  readonly state: StepState
  /** The step that this node added to its parent (empty for the root and for end-of-text). */
  readonly step: string
  /** Number of steps from the root (root 0). */
  readonly depth: number
  /** Creation order within the search (root 0); breaks ranking ties, earlier first. */
  readonly order: number
  /**
   * The scorer's verdict: for a complete solution its outcome value when the scorer gives one,
   * otherwise the aggregated step scores (or the value when there are no steps). Undefined for
   * the root, for solutions cut by a limit, and when the scorer could not score it.
   */
  score: number | undefined
  /** Simulations backed up through the node (MCTS); 0 in the other searches. */
  visits: number
  /** Sum of the values backed up through the node (MCTS). */
  valueSum: number
  /**
   * How many sampled proposals this node stands for: identical next steps sampled for one
   * parent (same text, hence the same state) are merged into one node, scored once
   * (`mergeIdenticalSteps`); 1 when nothing was merged into it.
   */
  readonly multiplicity: number
  /** Children created by expanding the node. */
  readonly children: SearchNode[]
  /** What creating this node cost (its step's tokens and its share of the call). */
  readonly usage: Usage
}

/** True when the node is a complete solution (ended by the model or by the completion test). */
export function isComplete(node: SearchNode): boolean {
  return node.state.finished && node.state.finishReason === 'stop'
}

/** Ranking value of a node: its score, or -Infinity when unscored. */
export function rankValue(node: SearchNode): number {
  return node.score ?? Number.NEGATIVE_INFINITY
}

/** Orders nodes best first: higher score first, ties by creation order (earlier first). */
export function compareNodes(left: SearchNode, right: SearchNode): number {
  const difference = rankValue(right) - rankValue(left)
  if (difference !== 0 && !Number.isNaN(difference)) return difference
  return left.order - right.order
}

/** One expansion: `count` next steps of `node`. */
export interface ExpandRequest {
  node: SearchNode
  count: number
}

/** The tree, scoring and bookkeeping of one search run. */
export class SearchSession {
  /** The empty solution. */
  readonly root: SearchNode
  /** Complete solutions found so far, in creation order. */
  readonly completed: SearchNode[] = []
  /** Every node, in creation order. */
  readonly nodes: SearchNode[] = []
  /** Sampled proposals merged into an identical sibling (each would otherwise be its own node). */
  mergedSteps = 0
  private spent: Usage
  /** True once the remaining budget capped an expansion's samples (see {@link ProposeResponse.budgetLimited}). */
  budgetLimited = false
  private readonly released = new Set<SearchNode>()
  private readonly detached = new Set<SearchNode>()

  private constructor(
    readonly prompt: string,
    readonly context: RunContext,
    readonly options: ResolvedSearchOptions,
    root: StepState,
    startUsage: Usage,
  ) {
    this.spent = startUsage
    this.root = this.createNode(undefined, root, '', startUsage)
    this.root.visits = 0
    this.emitNode(this.root)
  }

  /** Starts the proposer on `prompt` and creates the root node. */
  static async open(
    prompt: string,
    context: RunContext,
    options: ResolvedSearchOptions,
  ): Promise<SearchSession> {
    const started = await options.proposer.start({ prompt }, context)
    return new SearchSession(prompt, context, options, started.root, started.usage)
  }

  /** Everything spent so far by the proposer and the scorer. */
  get usage(): Usage {
    return this.spent
  }

  /** True when a node may be expanded: unfinished, not released, and shallower than `maxSteps`. */
  canExpand(node: SearchNode): boolean {
    return !node.state.finished && node.depth < this.options.maxSteps && !this.released.has(node)
  }

  /** Throws {@link BudgetExhaustedError} when a limit of the budget is reached. */
  assertBudget(): void {
    this.context.budget.assertAvailable()
  }

  /**
   * Expands several nodes in one proposer call, scores every new node in one scorer call, emits
   * a `node` trace event per new node, and files complete solutions in {@link completed}.
   * With `mergeIdenticalSteps` (default), the proposals of one request with the same text are
   * one node: the first one, whose `multiplicity` counts them and whose usage sums theirs (the
   * others' proposer states are released at once and counted in {@link mergedSteps}).
   * Returns the new children per request, in order (fewer than asked when generation failed
   * or proposals were merged).
   * With `attach: false` (MCTS rollouts) the new nodes are traced with their parent but are not
   * added to the parent's `children`, so that tree policies do not descend into them.
   */
  async expand(
    requests: readonly ExpandRequest[],
    options: { attach?: boolean } = {},
  ): Promise<SearchNode[][]> {
    if (requests.length === 0) return []
    this.assertBudget()
    const response = await this.options.proposer.propose(
      requests.map((request) => ({ state: request.node.state, count: request.count })),
      this.context,
    )
    this.spent = addUsage(this.spent, response.usage)
    if (response.budgetLimited) this.budgetLimited = true
    const created: SearchNode[][] = response.results.map((result, index) => {
      const parent = (requests[index] as ExpandRequest).node
      if (result.error) {
        this.context.emit({
          kind: 'note',
          id: this.context.nextId('note'),
          parentId: parent.id,
          name: 'expansion-error',
          data: { error: result.error },
        })
      }
      const groups: Array<{
        child: (typeof result.children)[number]
        count: number
        usage: Usage
      }> = []
      const byText = new Map<string, (typeof groups)[number]>()
      for (const child of result.children) {
        const same = this.options.mergeIdenticalSteps ? byText.get(child.state.text) : undefined
        if (same) {
          same.count++
          same.usage = addUsage(same.usage, child.usage)
          this.mergedSteps++
          this.options.proposer.release(child.state)
          continue
        }
        const group = { child, count: 1, usage: child.usage }
        groups.push(group)
        byText.set(child.state.text, group)
      }
      return groups.map(({ child, count, usage }) => {
        const node = this.createNode(parent, child.state, child.step, usage, count)
        if (options.attach !== false) parent.children.push(node)
        else this.detached.add(node)
        return node
      })
    })
    await this.score(created.flat())
    for (const node of created.flat()) {
      if (isComplete(node)) this.completed.push(node)
      this.emitNode(node)
    }
    return created
  }

  /** Scores nodes (complete or partial, not those cut by a limit) in one scorer call. */
  private async score(nodes: readonly SearchNode[]): Promise<void> {
    const scorable = nodes.filter(
      (node) => !node.state.finished || node.state.finishReason === 'stop',
    )
    if (scorable.length === 0) return
    const result = await callScorer(
      this.context,
      this.options.scorer,
      scorable.map((node) => ({
        prompt: this.prompt,
        output: node.state.text,
        partial: !node.state.finished,
      })),
    )
    this.spent = addUsage(this.spent, result.usage)
    scorable.forEach((node, index) => {
      node.score = this.reduceScore(result.scores[index], node.state.finished)
    })
  }

  private reduceScore(score: Score | undefined, finished: boolean): number | undefined {
    if (!score || score.error !== undefined) return undefined
    const value = Number.isFinite(score.value) ? score.value : undefined
    const fromSteps = score.steps
      ? aggregateStepScores(score.steps, this.options.aggregate)
      : undefined
    if (finished && value !== undefined) return value
    return fromSteps ?? value
  }

  /** Frees the proposer state of a node that will not be expanded again. Idempotent. */
  release(node: SearchNode): void {
    if (this.released.has(node)) return
    this.released.add(node)
    this.options.proposer.release(node.state)
  }

  /** Frees every node's proposer state (at the end of a search). */
  releaseAll(): void {
    for (const node of this.nodes) this.release(node)
  }

  /** The best complete solution (highest score, earliest on ties), or undefined. */
  bestCompleted(): SearchNode | undefined {
    return [...this.completed].sort(compareNodes)[0]
  }

  /**
   * The best node to answer with: the best complete solution, or when there is none the best
   * scored partial solution (earliest created on ties).
   */
  bestAnswer(): SearchNode | undefined {
    const completed = this.bestCompleted()
    if (completed) return completed
    const scored = this.nodes.filter((node) => node.score !== undefined)
    return scored.sort(compareNodes)[0]
  }

  /** Emits a `note` event carrying data about the search (e.g. final MCTS visit counts). */
  note(name: string, data: Record<string, unknown>): void {
    this.context.emit({ kind: 'note', id: this.context.nextId('note'), name, data })
  }

  private createNode(
    parent: SearchNode | undefined,
    state: StepState,
    step: string,
    usage: Usage,
    multiplicity = 1,
  ): SearchNode {
    const node: SearchNode = {
      id: this.context.nextId('node'),
      parent,
      state,
      step,
      depth: parent ? parent.depth + 1 : 0,
      order: this.nodes.length,
      score: undefined,
      visits: 0,
      valueSum: 0,
      multiplicity,
      children: [],
      usage: usage ?? emptyUsage(),
    }
    this.nodes.push(node)
    return node
  }

  /** Emits the node's `node` trace event (its parent is the parent node, or the span for the root). */
  emitNode(node: SearchNode): void {
    this.context.emit({
      kind: 'node',
      id: node.id,
      ...(node.parent ? { parentId: node.parent.id } : {}),
      name: node.parent ? 'step' : 'root',
      usage: node.usage,
      data: {
        text: node.state.text,
        step: node.step,
        score: node.score ?? null,
        visits: node.visits,
        depth: node.depth,
        finished: node.state.finished,
        ...(this.detached.has(node) ? { rollout: true } : {}),
        ...(node.multiplicity > 1 ? { multiplicity: node.multiplicity } : {}),
        ...compact({ finishReason: node.state.finishReason }),
      },
    })
  }
}
