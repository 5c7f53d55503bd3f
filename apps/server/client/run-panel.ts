// The live view of one run (the playground and the saved-trace page share it): counters
// against the budget, the search tree as an SVG, the vote chart, the refinement rounds, the
// samples, the answer, and a details panel for the selected node. Fed trace events one by one.
import { h, replaceChildren, svg } from './dom.js'
import {
  budgetFraction,
  formatCount,
  formatFlops,
  formatScore,
  formatSeconds,
  formatUsd,
} from './format.js'
import { scoreColour, textColourOn, viridisStops } from './palette.js'
import {
  applyTraceEvent,
  createRunView,
  finishRunView,
  type RunView,
  type TraceEventLike,
  type UsageCounts,
} from './trace-model.js'
import {
  buildDisplayForest,
  type DisplayNode,
  layoutForest,
  neighbourNode,
  type TreeLayout,
} from './tree-layout.js'

/** Limits shown next to the counters. */
export interface BudgetLimits {
  outputTokens?: number
  calls?: number
  costUsd?: number
  wallTimeMs?: number
}

/** A mounted run panel. */
export interface RunPanel {
  /** The panel's root element. */
  readonly element: HTMLElement
  /** The folded view. */
  readonly view: RunView
  /** Folds one trace event and redraws (batched to one redraw per animation frame). */
  addEvent(event: TraceEventLike): void
  /** Sets the charged usage and seconds (the server's running counters). */
  setUsage(usage: UsageCounts, seconds: number): void
  /** Sets the budget the counters are compared with. */
  setBudget(budget: BudgetLimits): void
  /** Sets the status line (queued, running, done, cancelled, failed: message). */
  setStatus(status: string, detail?: string): void
  /** Marks the run as ended (chosen path, pruned leaves) and redraws now. */
  finish(output?: { text: string; answer?: string; score?: number }): void
  /**
   * Plays the recorded events again from an empty view, one step at a time (`delayMs` after each
   * search node, model call or vote; default 150), so that the tree can be watched growing.
   * Resolves when the replay reached the end (or a newer replay started).
   */
  replay(delayMs?: number): Promise<void>
  /** Selects a node by display id (as a click does) and shows its details. */
  select(id: string | undefined): void
}

/** Options of {@link createRunPanel}. */
export interface RunPanelOptions {
  /** Heading of the panel (e.g. the strategy). */
  title?: string
  /** Merge identical sibling steps (default true). */
  merge?: boolean
  /** Smaller drawing for side-by-side comparison. */
  compact?: boolean
}

let panelCount = 0

/** Creates a run panel (not yet attached to the document). */
export function createRunPanel(options: RunPanelOptions = {}): RunPanel {
  let view = createRunView()
  // Element ids of drawn nodes must be unique in the page (compare mode shows several panels).
  const idPrefix = `panel${++panelCount}-node-`
  // Every event folded, for replays.
  const recorded: TraceEventLike[] = []
  let replaying = 0
  let budget: BudgetLimits = {}
  let charged: { usage: UsageCounts; seconds: number } | undefined
  let merge = options.merge ?? true
  let selected: string | undefined
  let layout: TreeLayout | undefined
  let forest: DisplayNode[] = []
  let scheduled = false

  const title = h('h2', { class: 'run-title' }, options.title ?? 'Run')
  const speed = h(
    'select',
    { class: 'replay-speed', 'aria-label': 'replay speed' },
    h('option', { value: '400' }, 'slow'),
    h('option', { value: '150', selected: true }, 'normal'),
    h('option', { value: '40' }, 'fast'),
  )
  const replayButton = h(
    'button',
    {
      type: 'button',
      class: 'replay',
      onclick: () => {
        void panel.replay(Number(speed.value))
      },
    },
    'Replay step by step',
  )
  const replayBar = h('div', { class: 'replay-bar', hidden: true }, replayButton, speed)
  const status = h('p', { class: 'run-status', role: 'status', 'aria-live': 'polite' }, 'idle')
  const counters = h('div', { class: 'counters', 'aria-label': 'usage against the budget' })
  const answer = h('div', { class: 'answer', 'aria-live': 'polite' })
  const mergeToggle = h('input', {
    type: 'checkbox',
    id: `merge-${Math.random().toString(36).slice(2)}`,
    checked: merge,
    onchange: (event) => {
      merge = (event.target as HTMLInputElement).checked
      render()
    },
  })
  const treeSvg = svg('svg', {
    class: 'tree-svg',
    role: 'tree',
    tabindex: 0,
    'aria-label': 'search tree: arrow keys move between nodes, Enter shows the details',
  })
  const treeBox = h('div', { class: 'tree-box' }, treeSvg)
  const legend = h(
    'div',
    { class: 'legend', 'aria-hidden': 'true' },
    h('span', {}, 'score 0'),
    h('span', {
      class: 'legend-ramp',
      style: `background: linear-gradient(to right, ${viridisStops.join(', ')})`,
    }),
    h('span', {}, '1'),
    h('span', { class: 'legend-item' }, h('span', { class: 'swatch unscored' }), 'not scored'),
    h('span', { class: 'legend-item' }, h('span', { class: 'swatch chosen' }), 'chosen path'),
    h('span', { class: 'legend-item' }, h('span', { class: 'swatch pruned' }), 'pruned'),
    h('span', { class: 'legend-item' }, 'size: visits or identical samples'),
  )
  const treeSection = h(
    'section',
    { class: 'tree-section', hidden: true },
    h(
      'div',
      { class: 'section-head' },
      h('h3', {}, 'Search tree'),
      h('label', { for: mergeToggle.id, class: 'inline' }, mergeToggle, ' merge identical steps'),
    ),
    legend,
    treeBox,
  )
  const details = h('aside', { class: 'details', 'aria-live': 'polite', hidden: true })
  const votes = h('section', { class: 'votes', hidden: true })
  const rounds = h('section', { class: 'rounds', hidden: true })
  const samples = h('section', { class: 'samples', hidden: true })
  const element = h(
    'section',
    { class: `run-panel${options.compact ? ' compact' : ''}` },
    title,
    status,
    replayBar,
    counters,
    answer,
    treeSection,
    details,
    votes,
    rounds,
    samples,
  )

  treeSvg.addEventListener('keydown', (event) => {
    const keys: Record<string, 'up' | 'down' | 'left' | 'right'> = {
      ArrowUp: 'up',
      ArrowDown: 'down',
      ArrowLeft: 'left',
      ArrowRight: 'right',
    }
    const direction = keys[event.key]
    if (direction && layout) {
      event.preventDefault()
      panel.select(neighbourNode(layout, selected, direction))
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault()
      if (selected === undefined && layout) panel.select(neighbourNode(layout, undefined, 'down'))
      else showDetails()
    } else if (event.key === 'Escape') {
      panel.select(undefined)
    }
  })

  const schedule = () => {
    if (scheduled) return
    scheduled = true
    const run = () => {
      scheduled = false
      render()
    }
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(run)
    else setTimeout(run, 16)
  }

  const renderCounters = () => {
    const usage = charged?.usage ?? view.usage
    const seconds = charged?.seconds ?? view.time / 1000
    const rows: Array<[string, string, number | undefined, number | undefined]> = [
      [
        'generated tokens',
        formatCount(usage.outputTokens),
        usage.outputTokens,
        budget.outputTokens,
      ],
      ['prompt tokens', formatCount(usage.inputTokens), undefined, undefined],
      ['model calls', formatCount(usage.calls), usage.calls, budget.calls],
      ['FLOPs', formatFlops(usage.flops), undefined, undefined],
      [
        'dollars',
        formatUsd(usage.costUsd ?? (usage.flops !== undefined ? 0 : undefined)),
        usage.costUsd,
        budget.costUsd,
      ],
      [
        'seconds',
        formatSeconds(seconds),
        seconds,
        budget.wallTimeMs !== undefined ? budget.wallTimeMs / 1000 : undefined,
      ],
    ]
    replaceChildren(
      counters,
      ...rows.map(([label, shown, used, limit]) => {
        const limitText =
          limit === undefined
            ? ''
            : ` / ${label === 'seconds' ? formatSeconds(limit) : label === 'dollars' ? formatUsd(limit) : formatCount(limit)}`
        return h(
          'div',
          { class: 'counter' },
          h('span', { class: 'counter-label' }, label),
          h('span', { class: 'counter-value', 'data-counter': label }, shown + limitText),
          limit !== undefined
            ? h('progress', {
                max: 1,
                value: budgetFraction(used, limit),
                'aria-label': `${label} used of the budget`,
              })
            : null,
        )
      }),
    )
  }

  const renderTree = () => {
    forest = buildDisplayForest(view, { merge })
    if (forest.length === 0) {
      treeSection.hidden = true
      layout = undefined
      return
    }
    treeSection.hidden = false
    const compactLayout = options.compact === true
    layout = layoutForest(forest, {
      leafSpacing: compactLayout ? 20 : 28,
      levelSpacing: compactLayout ? 48 : 64,
    })
    treeSvg.setAttribute('viewBox', `0 0 ${layout.width} ${layout.height}`)
    treeSvg.setAttribute('width', String(layout.width))
    treeSvg.setAttribute('height', String(layout.height))
    const edges = layout.edges.map((edge) =>
      svg('line', {
        class: `edge${edge.chosen ? ' chosen' : ''}${edge.pruned ? ' pruned' : ''}`,
        x1: edge.x1,
        y1: edge.y1,
        x2: edge.x2,
        y2: edge.y2,
      }),
    )
    const nodes = layout.nodes.map((placed) => {
      const node = placed.node
      const fill = scoreColour(node.score)
      const label = describeNode(node)
      const group = svg(
        'g',
        {
          class: `tree-node${node.chosen ? ' chosen' : ''}${node.pruned ? ' pruned' : ''}${node.finished ? ' finished' : ''}${node.id === selected ? ' selected' : ''}`,
          'data-id': node.id,
          id: `${idPrefix}${node.id}`,
          'data-depth': node.depth,
          'data-multiplicity': node.multiplicity,
          role: 'treeitem',
          'aria-label': label,
          'aria-selected': node.id === selected ? 'true' : 'false',
          transform: `translate(${placed.x} ${placed.y})`,
          onclick: () => panel.select(node.id),
        },
        svg('title', {}, label),
        svg('circle', { r: placed.r + 3, class: 'halo' }),
        svg('circle', { r: placed.r, fill, class: 'dot' }),
        node.multiplicity > 1
          ? svg(
              'text',
              { class: 'count', 'text-anchor': 'middle', dy: '0.35em', fill: textColourOn(fill) },
              `${node.multiplicity}`,
            )
          : null,
        node.finished
          ? svg('rect', {
              class: 'finish-mark',
              x: -3,
              y: placed.r + 3,
              width: 6,
              height: 6,
            })
          : null,
      )
      return group
    })
    replaceChildren(treeSvg, ...edges, ...nodes)
  }

  const renderVotes = () => {
    if (view.votes.length === 0 && view.selections.length === 0) {
      votes.hidden = true
      return
    }
    votes.hidden = false
    const charts = view.votes.map((vote) => {
      const maxCount = Math.max(1, ...vote.entries.map((entry) => entry.count))
      const maxWeight = Math.max(1e-9, ...vote.entries.map((entry) => entry.weight))
      const weighted = vote.entries.some((entry) => entry.weight !== entry.count)
      const voted = vote.entries.reduce((sum, entry) => sum + entry.count, 0)
      // Samples whose answer could not be extracted (or that failed) cast no vote.
      const unanswered = vote.samples !== undefined ? Math.max(0, vote.samples - voted) : 0
      return h(
        'figure',
        { class: 'vote-chart', 'data-vote': vote.name },
        h(
          'figcaption',
          {},
          `${vote.name}: ${vote.samples ?? voted} samples, ${vote.entries.length} distinct answers${unanswered > 0 ? `, ${unanswered} without an answer (no vote)` : ''}`,
        ),
        h(
          'table',
          { class: 'bars' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'answer'),
              h('th', { scope: 'col' }, 'votes'),
              weighted ? h('th', { scope: 'col' }, 'weight') : null,
            ),
          ),
          h(
            'tbody',
            {},
            ...vote.entries.map((entry) =>
              h(
                'tr',
                { class: `bar-row${entry.key === vote.winner ? ' winner' : ''}` },
                h(
                  'th',
                  { scope: 'row' },
                  entry.key === '' ? '(no answer)' : entry.key,
                  entry.key === vote.winner ? ' \u2713' : '',
                ),
                h(
                  'td',
                  {},
                  h('span', {
                    class: 'bar',
                    style: `width: ${((entry.count / maxCount) * 85).toFixed(1)}%`,
                  }),
                  h('span', { class: 'bar-value' }, String(entry.count)),
                ),
                weighted
                  ? h(
                      'td',
                      {},
                      h('span', {
                        class: 'bar weight',
                        style: `width: ${((entry.weight / maxWeight) * 85).toFixed(1)}%`,
                      }),
                      h('span', { class: 'bar-value' }, entry.weight.toFixed(2)),
                    )
                  : null,
              ),
            ),
          ),
        ),
      )
    })
    const selections = view.selections.map((selection) =>
      h(
        'figure',
        { class: 'vote-chart', 'data-vote': selection.name },
        h('figcaption', {}, `${selection.name}: score of each sample`),
        h(
          'table',
          { class: 'bars' },
          h(
            'tbody',
            {},
            ...selection.scores.map((score, index) =>
              h(
                'tr',
                { class: `bar-row${index === selection.chosen ? ' winner' : ''}` },
                h(
                  'th',
                  { scope: 'row' },
                  `#${index + 1}`,
                  index === selection.chosen ? ' \u2713' : '',
                ),
                h(
                  'td',
                  {},
                  h('span', {
                    class: 'bar',
                    style: `width: ${(Math.max(0, Math.min(1, score ?? 0)) * 85).toFixed(1)}%; background: ${scoreColour(score)}`,
                  }),
                  h('span', { class: 'bar-value' }, formatScore(score)),
                ),
              ),
            ),
          ),
        ),
      ),
    )
    replaceChildren(votes, h('h3', {}, 'Votes'), ...charts, ...selections)
  }

  const renderRounds = () => {
    if (view.rounds.length === 0) {
      rounds.hidden = true
      return
    }
    rounds.hidden = false
    replaceChildren(
      rounds,
      h('h3', {}, 'Refinement rounds'),
      h(
        'ol',
        { class: 'round-list' },
        ...view.rounds.map((round) =>
          h(
            'li',
            { class: `round${round.done ? ' done' : ''}`, 'data-round': round.round },
            h(
              'div',
              { class: 'round-head' },
              h('strong', {}, `round ${round.round}`),
              round.score !== undefined
                ? h(
                    'span',
                    {
                      class: 'chip',
                      style: `background: ${scoreColour(round.score)}; color: ${textColourOn(scoreColour(round.score))}`,
                    },
                    `score ${formatScore(round.score)}`,
                  )
                : null,
              round.answer !== undefined
                ? h('span', { class: 'chip plain' }, `answer ${round.answer}`)
                : null,
              round.done ? h('span', { class: 'chip plain' }, 'accepted') : null,
            ),
            round.text !== undefined ? h('pre', { class: 'round-text' }, round.text.trim()) : null,
            round.feedback !== undefined
              ? h('p', { class: 'feedback' }, `feedback: ${round.feedback}`)
              : null,
          ),
        ),
      ),
    )
  }

  const renderSamples = () => {
    // Samples matter when there is no tree to show them in (parallel strategies).
    if (view.samples.length === 0 || view.nodes.size > 0) {
      samples.hidden = true
      return
    }
    samples.hidden = false
    const shown = view.samples.slice(0, 64)
    replaceChildren(
      samples,
      h(
        'details',
        {},
        h('summary', {}, `Samples (${view.samples.length})`),
        h(
          'ol',
          { class: 'sample-list' },
          ...shown.map((sample) => h('li', {}, h('code', {}, sample.text.trim()))),
        ),
        view.samples.length > shown.length
          ? h('p', {}, `... and ${view.samples.length - shown.length} more`)
          : null,
      ),
    )
  }

  const renderAnswer = () => {
    if (!view.output) {
      replaceChildren(answer)
      return
    }
    replaceChildren(
      answer,
      h('span', { class: 'answer-label' }, 'answer '),
      h('strong', { class: 'answer-value' }, view.output.answer ?? '(none extracted)'),
      view.output.score !== undefined
        ? h('span', { class: 'answer-score' }, ` score ${formatScore(view.output.score)}`)
        : null,
      h('pre', { class: 'answer-text' }, view.output.text.trim()),
    )
  }

  const showDetails = () => {
    const node = selected !== undefined ? findDisplay(forest, selected) : undefined
    if (!node) {
      details.hidden = true
      return
    }
    details.hidden = false
    const members = node.members
      .map((id) => view.nodes.get(id))
      .filter((member) => member !== undefined)
    const first = members[0]
    const tokens = members.reduce((sum, member) => sum + (member.usage?.outputTokens ?? 0), 0)
    const call = first?.callId !== undefined ? view.calls.get(first.callId) : undefined
    const callRows: Array<[string, string]> = call
      ? [
          ['model', call.name],
          ['call id', call.id],
          [
            'call tokens',
            `${formatCount(call.usage?.inputTokens)} prompt + ${formatCount(call.usage?.outputTokens)} generated`,
          ],
          ...Object.entries(call.data)
            .filter(([key]) => key !== 'outputs' && key !== 'prompt')
            .map(([key, value]): [string, string] => [
              key,
              typeof value === 'string' ? value : JSON.stringify(value),
            ]),
        ]
      : []
    replaceChildren(
      details,
      h(
        'div',
        { class: 'section-head' },
        h('h3', {}, `Node ${node.id}`),
        h(
          'button',
          {
            type: 'button',
            class: 'close',
            'aria-label': 'close the details',
            onclick: () => panel.select(undefined),
          },
          '\u00d7',
        ),
      ),
      h(
        'dl',
        {},
        h('dt', {}, 'step'),
        h('dd', {}, h('code', { class: 'detail-step' }, node.step.trim() || '(root)')),
        h('dt', {}, 'score'),
        h('dd', { class: 'detail-score' }, formatScore(node.score)),
        h('dt', {}, 'depth'),
        h('dd', {}, String(node.depth)),
        h('dt', {}, 'identical samples'),
        h('dd', {}, String(node.multiplicity)),
        node.visits > 0 ? h('dt', {}, 'visits') : null,
        node.visits > 0 ? h('dd', {}, String(node.visits)) : null,
        h('dt', {}, 'generated tokens'),
        h('dd', { class: 'detail-tokens' }, formatCount(tokens)),
        h('dt', {}, 'state'),
        h(
          'dd',
          {},
          [
            node.finished ? 'complete' : 'partial',
            node.chosen ? 'on the chosen path' : '',
            node.pruned ? 'pruned (not expanded)' : '',
          ]
            .filter(Boolean)
            .join(', '),
        ),
      ),
      h('h4', {}, 'Text so far'),
      h('pre', { class: 'detail-text' }, node.text.trim() || '(empty)'),
      h('h4', {}, 'Model call that produced it'),
      call
        ? h(
            'dl',
            { class: 'detail-call' },
            ...callRows.flatMap(([key, value]) => [h('dt', {}, key), h('dd', {}, value)]),
          )
        : h('p', {}, 'No model call (the root holds the prompt).'),
    )
  }

  const render = () => {
    renderCounters()
    renderAnswer()
    renderTree()
    renderVotes()
    renderRounds()
    renderSamples()
    showDetails()
  }

  const panel: RunPanel = {
    element,
    get view() {
      return view
    },
    addEvent(event) {
      recorded.push(event)
      applyTraceEvent(view, event)
      schedule()
    },
    setUsage(usage, seconds) {
      charged = { usage, seconds }
      schedule()
    },
    setBudget(next) {
      budget = next
      schedule()
    },
    setStatus(text, detail) {
      status.textContent = detail ? `${text}: ${detail}` : text
      status.dataset.status = text
    },
    finish(output) {
      if (output) view.output = output
      finishRunView(view)
      replayBar.hidden = recorded.length === 0
      render()
    },
    async replay(delayMs = 150) {
      const token = ++replaying
      const output = view.output
      view = createRunView()
      selected = undefined
      const paused = charged
      charged = undefined
      replayButton.disabled = true
      panel.setStatus('replaying')
      for (const event of recorded) {
        if (token !== replaying) return
        applyTraceEvent(view, event)
        if (event.kind === 'node' || event.kind === 'model-call' || event.kind === 'note') {
          render()
          await new Promise((resolve) => setTimeout(resolve, delayMs))
        }
      }
      if (token !== replaying) return
      if (output && !view.output) view.output = output
      finishRunView(view)
      charged = paused
      replayButton.disabled = false
      panel.setStatus('replayed', `${recorded.length} events`)
      render()
    },
    select(id) {
      selected = id
      // Screen readers follow the selection inside the focused tree.
      if (id === undefined) treeSvg.removeAttribute('aria-activedescendant')
      else treeSvg.setAttribute('aria-activedescendant', `${idPrefix}${id}`)
      for (const node of treeSvg.querySelectorAll('.tree-node')) {
        const on = node.getAttribute('data-id') === id
        node.classList.toggle('selected', on)
        node.setAttribute('aria-selected', on ? 'true' : 'false')
      }
      showDetails()
    },
  }
  render()
  return panel
}

function findDisplay(forest: readonly DisplayNode[], id: string): DisplayNode | undefined {
  for (const node of forest) {
    if (node.id === id || node.members.includes(id)) return node
    const found = findDisplay(node.children, id)
    if (found) return found
  }
  return undefined
}

/** The accessible label of a tree node. */
function describeNode(node: DisplayNode): string {
  const step = node.step.trim() === '' ? 'root' : `step "${node.step.trim()}"`
  const parts = [
    `${step}, depth ${node.depth}`,
    `score ${formatScore(node.score)}`,
    node.multiplicity > 1 ? `${node.multiplicity} identical samples` : '',
    node.visits > 0 ? `${node.visits} visits` : '',
    node.finished ? 'complete' : '',
    node.chosen ? 'on the chosen path' : '',
    node.pruned ? 'pruned' : '',
  ]
  return parts.filter(Boolean).join(', ')
}
