// The saved-trace page (`metagen trace FILE --html OUT`): the playground's run view drawn from
// the events inlined in the page, with no server and no network. An eval trace (one `problem
// <id>` note per problem, its events' ids prefixed with `<id>/`) gets a problem picker.
import { h, replaceChildren } from './dom.js'
import { createRunPanel } from './run-panel.js'
import type { TraceEventLike } from './trace-model.js'
import { splitProblems } from './trace-problems.js'

function show(): void {
  const root = document.getElementById('app') as HTMLElement
  const source = document.getElementById('metagen-trace')
  let events: TraceEventLike[]
  try {
    events = JSON.parse(source?.textContent ?? '[]') as TraceEventLike[]
  } catch (error) {
    replaceChildren(
      root,
      h(
        'p',
        { class: 'error', role: 'alert' },
        `The trace in this page is not valid JSON: ${(error as Error).message}`,
      ),
    )
    return
  }
  const title = root.dataset.title ?? 'metagen trace'
  const problems = splitProblems(events)
  const holder = h('div', { class: 'trace-run' })
  const draw = (runEvents: readonly TraceEventLike[], heading: string) => {
    const panel = createRunPanel({ title: heading })
    for (const event of runEvents) panel.addEvent(event)
    panel.finish()
    panel.setStatus(
      'saved trace',
      `${runEvents.length} events, ${panel.view.nodes.size} search nodes, ${panel.view.calls.size} model calls`,
    )
    replaceChildren(holder, panel.element)
  }
  let picker: HTMLElement | null = null
  if (problems.length > 0) {
    const select = h(
      'select',
      {
        id: 'problem',
        onchange: (event) => {
          const chosen = problems[Number((event.target as HTMLSelectElement).value)]
          if (chosen) draw(chosen.events, chosen.label)
        },
      },
      ...problems.map((problem, index) => h('option', { value: index }, problem.label)),
    )
    picker = h(
      'div',
      { class: 'field problem-picker' },
      h('label', { for: 'problem' }, `problem (${problems.length})`),
      select,
    )
    const first = problems[0] as (typeof problems)[number]
    draw(first.events, first.label)
  } else {
    draw(events, 'run')
  }
  replaceChildren(
    root,
    h('header', { class: 'top' }, h('h1', {}, title)),
    h('main', {}, picker, holder),
  )
}

show()
