// The saved-trace page (`metagen trace FILE --html OUT`): the playground's run panel drawn from
// the events inlined in the page, with no server and no network.
import './styles.css'
import { h, replaceChildren } from './dom.js'
import { createRunPanel } from './run-panel.js'
import type { TraceEventLike } from './trace-model.js'

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
  const panel = createRunPanel({ title: `${events.length} events` })
  for (const event of events) panel.addEvent(event)
  panel.finish()
  panel.setStatus(
    'saved trace',
    `${panel.view.nodes.size} search nodes, ${panel.view.calls.size} model calls`,
  )
  replaceChildren(
    root,
    h('header', { class: 'top' }, h('h1', {}, title)),
    h('main', {}, panel.element),
  )
}

show()
