// The scaling view: runs scalable strategies at several budgets (each strategy's scaling knob,
// applied by the server) over a few tinymath problems and draws accuracy against generated
// tokens as the runs finish.
import { h, replaceChildren, svg } from './dom.js'
import { categoryColour } from './palette.js'
import { createRunPanel, type RunPanel } from './run-panel.js'
import { answersMatch, layoutScalingPlot, type ScalingPoint } from './scaling-plot.js'
import type { StrategySpecLike } from './schema-form.js'
import type { StrategyInfo } from './strategy-form.js'
import type { UsageCounts } from './trace-model.js'

/** Options of {@link createScalingView}. */
export interface ScalingViewOptions {
  strategies: readonly StrategyInfo[]
  examples: ReadonlyArray<{ question: string; answer: string }>
  settings: () => { model: string }
  scaledSpec: (
    spec: StrategySpecLike,
    budget: number,
  ) => Promise<{ spec: StrategySpecLike; label: string }>
  startRun: (
    spec: StrategySpecLike,
    settings: { model: string; question: string; budget: Record<string, number> },
    panel: RunPanel,
  ) => Promise<{
    ended: Promise<{ status: string; output?: { answer?: string }; usage?: UsageCounts }>
  }>
}

/** Creates the scaling view. */
export function createScalingView(options: ScalingViewOptions): HTMLElement {
  const scalable = options.strategies.filter((strategy) => strategy.scalable)
  const preferred = new Set(['self-consistency', 'best-of-n'])
  const checks = scalable.map((strategy) =>
    h(
      'label',
      { class: 'inline' },
      h('input', {
        type: 'checkbox',
        name: 'scale-strategy',
        value: strategy.name,
        checked: preferred.has(strategy.name),
      }),
      ` ${strategy.name}`,
    ),
  )
  const budgets = h('input', { id: 'scale-budgets', type: 'text', value: '1,2,4,8' })
  const problems = h('input', {
    id: 'scale-problems',
    type: 'text',
    inputmode: 'numeric',
    value: '4',
  })
  const error = h('p', { class: 'error', role: 'alert' })
  const progress = h('p', { class: 'scale-progress', role: 'status', 'aria-live': 'polite' })
  const plot = svg('svg', {
    class: 'scale-plot',
    viewBox: '0 0 640 360',
    role: 'img',
    'aria-label': 'accuracy against generated tokens',
  })
  const table = h('table', { class: 'scale-table' })
  const points: ScalingPoint[] = []

  const draw = () => {
    const layout = layoutScalingPlot(points, 640, 360)
    const names = [...new Set(points.map((point) => point.strategy))]
    const lines = names.map((name, index) => {
      const series = layout.points
        .filter((point) => point.strategy === name)
        .sort((a, b) => a.x - b.x)
      return svg('polyline', {
        class: 'series',
        fill: 'none',
        stroke: categoryColour(index),
        points: series.map((point) => `${point.x},${point.y}`).join(' '),
      })
    })
    const dots = layout.points.map((point) =>
      svg(
        'circle',
        {
          class: 'scale-point',
          cx: point.x,
          cy: point.y,
          r: 5,
          fill: categoryColour(names.indexOf(point.strategy)),
        },
        svg(
          'title',
          {},
          `${point.strategy} ${point.label}: ${(point.accuracy * 100).toFixed(0)}% of ${point.problems} problems, ${point.tokens.toFixed(0)} tokens each`,
        ),
      ),
    )
    const { area } = layout
    replaceChildren(
      plot,
      svg('line', {
        class: 'axis',
        x1: area.left,
        y1: area.bottom,
        x2: area.right,
        y2: area.bottom,
      }),
      svg('line', { class: 'axis', x1: area.left, y1: area.top, x2: area.left, y2: area.bottom }),
      ...layout.xTicks.map((tick) =>
        svg(
          'text',
          { class: 'tick', x: tick.x, y: area.bottom + 16, 'text-anchor': 'middle' },
          String(tick.value),
        ),
      ),
      ...layout.yTicks.map((tick) =>
        svg(
          'text',
          { class: 'tick', x: area.left - 6, y: tick.y + 4, 'text-anchor': 'end' },
          `${tick.value * 100}%`,
        ),
      ),
      svg(
        'text',
        {
          class: 'axis-label',
          x: (area.left + area.right) / 2,
          y: area.bottom + 32,
          'text-anchor': 'middle',
        },
        'generated tokens per problem (log scale)',
      ),
      ...lines,
      ...dots,
      ...names.map((name, index) =>
        svg(
          'text',
          {
            class: 'series-label',
            x: area.left + 8,
            y: area.top + 14 + index * 16,
            fill: categoryColour(index),
          },
          name,
        ),
      ),
    )
    replaceChildren(
      table,
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'strategy'),
          h('th', {}, 'setting'),
          h('th', {}, 'accuracy'),
          h('th', {}, 'tokens'),
          h('th', {}, 'problems'),
        ),
      ),
      h(
        'tbody',
        {},
        ...points.map((point) =>
          h(
            'tr',
            {},
            h('td', {}, point.strategy),
            h('td', {}, point.label),
            h('td', {}, `${(point.accuracy * 100).toFixed(0)}%`),
            h('td', {}, point.tokens.toFixed(0)),
            h('td', {}, String(point.problems)),
          ),
        ),
      ),
    )
  }

  const start = h(
    'button',
    {
      type: 'button',
      id: 'scale-run',
      class: 'primary',
      onclick: async () => {
        error.textContent = ''
        const chosen = checks
          .map((label) => label.querySelector('input') as HTMLInputElement)
          .filter((input) => input.checked)
          .map((input) => input.value)
        const budgetList = budgets.value.split(',').map((text) => Number(text.trim()))
        const count = Number(problems.value.trim())
        if (chosen.length === 0) {
          error.textContent = 'strategies: tick at least one'
          return
        }
        if (budgetList.some((value) => !Number.isInteger(value) || value < 1)) {
          error.textContent = `budgets: expected integers >= 1 separated by commas, got ${JSON.stringify(budgets.value)}`
          return
        }
        if (!Number.isInteger(count) || count < 1 || count > options.examples.length) {
          error.textContent = `problems: expected an integer in [1, ${options.examples.length}], got ${JSON.stringify(problems.value)}`
          return
        }
        start.disabled = true
        points.length = 0
        draw()
        const { model } = options.settings()
        try {
          for (const name of chosen) {
            for (const budget of budgetList) {
              const scaled = await options.scaledSpec({ strategy: name }, budget)
              const point: ScalingPoint = {
                strategy: name,
                label: scaled.label,
                tokens: 0,
                accuracy: 0,
                problems: 0,
              }
              points.push(point)
              let correct = 0
              let tokens = 0
              for (const example of options.examples.slice(0, count)) {
                progress.textContent = `${name} ${scaled.label}: problem ${point.problems + 1} of ${count}`
                const panel = createRunPanel()
                const started = await options.startRun(
                  scaled.spec,
                  { model, question: example.question, budget: {} },
                  panel,
                )
                const result = await started.ended
                if (result.status === 'done' && answersMatch(result.output?.answer, example.answer))
                  correct++
                tokens += result.usage?.outputTokens ?? 0
                point.problems++
                point.accuracy = correct / point.problems
                point.tokens = tokens / point.problems
                draw()
              }
            }
          }
          progress.textContent = `done: ${points.length} settings`
        } catch (caught) {
          error.textContent = (caught as Error).message
        } finally {
          start.disabled = false
        }
      },
    },
    'Run the scaling sweep',
  )
  draw()
  return h(
    'div',
    { class: 'scaling' },
    h(
      'p',
      {},
      "Each ticked strategy at each budget (its scaling knob: samples for votes, width for searches) on the first problems of the tinymath dev set, with the Run tab's model. Points appear as runs finish.",
    ),
    h('fieldset', {}, h('legend', {}, 'Strategies'), ...checks),
    h('div', { class: 'field' }, h('label', { for: 'scale-budgets' }, 'budgets'), budgets),
    h('div', { class: 'field' }, h('label', { for: 'scale-problems' }, 'problems'), problems),
    h('div', { class: 'actions' }, start),
    error,
    progress,
    plot,
    table,
  )
}
