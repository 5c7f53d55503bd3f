// The playground page served at `/`: pick a model, a strategy (form from its JSON Schema), a
// budget and a question, run it and watch the run's trace arrive over server-sent events;
// compare strategies side by side; watch accuracy against tokens fill in on a problem set.
import './styles.css'
import { ApiError, apiKey, followRun, requestJson, setApiKey } from './api-client.js'
import { h, replaceChildren } from './dom.js'
import { createRunPanel, type RunPanel } from './run-panel.js'
import { createScalingView } from './scaling-view.js'
import type { StrategySpecLike } from './schema-form.js'
import { createStrategyForm, type StrategyInfo } from './strategy-form.js'
import type { TraceEventLike, UsageCounts } from './trace-model.js'

interface ModelsResponse {
  data: Array<{ id: string; kind: string }>
  defaultMaxTokens: number
  maxStrategySamples: number
  maxSeconds: number
}

/** A tinymath example. */
export interface Example {
  question: string
  answer: string
}

/** What a run request carries besides its strategy. */
export interface RunSettings {
  model: string
  question: string
  /** Send `question` as the raw prompt instead of formatting it as a tinymath question. */
  rawPrompt?: boolean
  maxTokens?: number
  seed?: number
  budget: { outputTokens?: number; calls?: number; seconds?: number; costUsd?: number }
}

/** A started run: its id and a promise of how it ended. */
export interface StartedRun {
  id: string
  ended: Promise<{
    status: string
    output?: { text: string; answer?: string }
    usage?: UsageCounts
  }>
}

/**
 * Starts a run on the server and feeds its stream into `panel`. Resolves once the run was
 * accepted (its id), with `ended` settling when its stream ends.
 */
export async function startRun(
  spec: StrategySpecLike,
  settings: RunSettings,
  panel: RunPanel,
): Promise<StartedRun> {
  const started = await requestJson<{ id: string }>('/api/runs', {
    model: settings.model,
    strategy: spec,
    ...(settings.rawPrompt ? { prompt: settings.question } : { question: settings.question }),
    ...(settings.maxTokens !== undefined ? { maxTokens: settings.maxTokens } : {}),
    ...(settings.seed !== undefined ? { seed: settings.seed } : {}),
    budget: settings.budget,
  })
  panel.element.dataset.runId = started.id
  let result: Awaited<StartedRun['ended']> = { status: 'unknown' }
  const ended = followRun(started.id, (message) => {
    switch (message.type) {
      case 'run': {
        const run = message.run as { budget?: Record<string, number> }
        panel.setBudget(run.budget ?? {})
        break
      }
      case 'status':
        panel.setStatus(String(message.status))
        break
      case 'trace':
        panel.addEvent(message.event as TraceEventLike)
        break
      case 'usage':
        panel.setUsage(message.usage as UsageCounts, message.seconds as number)
        break
      case 'end': {
        const output = message.output as
          | { text: string; answer?: string; score?: number }
          | undefined
        if (message.usage)
          panel.setUsage(message.usage as UsageCounts, (message.seconds as number) ?? 0)
        panel.finish(output)
        const error = message.error as { message?: string } | undefined
        const stopped = message.stoppedBy
          ? `stopped by the budget (${String(message.stoppedBy)})`
          : undefined
        panel.setStatus(String(message.status), error?.message ?? stopped)
        result = {
          status: String(message.status),
          ...(output ? { output } : {}),
          ...(message.usage ? { usage: message.usage as UsageCounts } : {}),
        }
        break
      }
      default:
        break
    }
  }).then(() => result)
  return { id: started.id, ended }
}

function numberInput(id: string, label: string, help: string, placeholder = ''): HTMLElement {
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    h('input', {
      id,
      type: 'text',
      inputmode: 'numeric',
      placeholder,
      'aria-describedby': `${id}-help`,
    }),
    h('small', { id: `${id}-help`, class: 'help' }, help),
  )
}

function readOptionalNumber(id: string, label: string, integer: boolean): number | undefined {
  const input = document.getElementById(id) as HTMLInputElement
  const text = input.value.trim()
  if (text === '') return undefined
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(
      `${label}: expected ${integer ? 'an integer' : 'a number'} > 0, got ${JSON.stringify(text)}`,
    )
  }
  return value
}

async function main(): Promise<void> {
  const root = document.getElementById('app') as HTMLElement
  replaceChildren(root, h('p', { class: 'loading' }, 'Loading the served models and strategies...'))
  let models: ModelsResponse
  let strategies: StrategyInfo[]
  let examples: Example[]
  try {
    ;[models, strategies, examples] = await Promise.all([
      requestJson<ModelsResponse>('/api/models'),
      requestJson<{ data: StrategyInfo[] }>('/api/strategies').then((response) => response.data),
      requestJson<{ data: Example[] }>('/api/examples').then((response) => response.data),
    ])
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      const input = h('input', { id: 'api-key', type: 'password', autocomplete: 'off' })
      replaceChildren(
        root,
        h(
          'form',
          {
            class: 'key-form',
            onsubmit: (event) => {
              event.preventDefault()
              setApiKey(input.value)
              void main()
            },
          },
          h('h1', {}, 'metagen playground'),
          h('p', {}, 'This server needs its API key (it stays in this tab only).'),
          h('label', { for: 'api-key' }, 'API key'),
          input,
          h('button', { type: 'submit' }, 'Continue'),
          apiKey() ? h('p', { class: 'error', role: 'alert' }, error.message) : null,
        ),
      )
      return
    }
    replaceChildren(
      root,
      h(
        'p',
        { class: 'error', role: 'alert' },
        `Could not load the playground: ${(error as Error).message}`,
      ),
    )
    return
  }

  const initialStrategy = strategies.some((strategy) => strategy.name === 'step-beam')
    ? { strategy: 'step-beam' }
    : { strategy: strategies[0]?.name ?? 'greedy' }
  const form = createStrategyForm(strategies, initialStrategy)
  const modelSelect = h(
    'select',
    { id: 'model' },
    ...models.data.map((model) => h('option', { value: model.id }, `${model.id} (${model.kind})`)),
  )
  const question = h('textarea', {
    id: 'question',
    rows: 3,
    'aria-describedby': 'question-help',
  })
  question.value = examples[0]?.question ?? ''
  const rawPrompt = h('input', { id: 'raw-prompt', type: 'checkbox' })
  const exampleButtons = h(
    'div',
    { class: 'examples', role: 'group', 'aria-label': 'tinymath examples' },
    ...examples.slice(0, 6).map((example, index) =>
      h(
        'button',
        {
          type: 'button',
          class: 'example',
          'data-example': index,
          title: example.question,
          onclick: () => {
            question.value = example.question
          },
        },
        `example ${index + 1}`,
      ),
    ),
  )
  const formError = h('p', { id: 'form-error', class: 'error', role: 'alert' })
  const runButton = h('button', { id: 'run', type: 'submit', class: 'primary' }, 'Run')
  const cancelButton = h('button', { id: 'cancel', type: 'button', disabled: true }, 'Cancel')
  const output = h('div', { id: 'run-output', class: 'run-output' })
  let current: { id: string; ended: Promise<unknown> } | undefined

  const readSettings = (): RunSettings => {
    const text = question.value.trim()
    if (text === '') throw new Error('question: type a question or pick an example')
    const maxTokens = readOptionalNumber('max-tokens', 'max tokens', true)
    const seedText = (document.getElementById('seed') as HTMLInputElement).value.trim()
    const seed = seedText === '' ? undefined : Number(seedText)
    if (seed !== undefined && (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32)) {
      throw new Error(`seed: expected an integer in [0, 2^32), got ${JSON.stringify(seedText)}`)
    }
    const outputTokens = readOptionalNumber('budget-tokens', 'token budget', true)
    const calls = readOptionalNumber('budget-calls', 'call budget', true)
    const seconds = readOptionalNumber('budget-seconds', 'time budget', false)
    const costUsd = readOptionalNumber('budget-usd', 'dollar budget', false)
    return {
      model: modelSelect.value,
      question: text,
      ...(rawPrompt.checked ? { rawPrompt: true } : {}),
      ...(maxTokens !== undefined ? { maxTokens } : {}),
      ...(seed !== undefined ? { seed } : {}),
      budget: {
        ...(outputTokens !== undefined ? { outputTokens } : {}),
        ...(calls !== undefined ? { calls } : {}),
        ...(seconds !== undefined ? { seconds } : {}),
        ...(costUsd !== undefined ? { costUsd } : {}),
      },
    }
  }

  const runForm = h(
    'form',
    {
      id: 'run-form',
      class: 'run-form',
      'aria-label': 'run a strategy',
      onsubmit: async (event) => {
        event.preventDefault()
        formError.textContent = ''
        let spec: StrategySpecLike
        let settings: RunSettings
        try {
          spec = form.spec()
          settings = readSettings()
        } catch (error) {
          formError.textContent = (error as Error).message
          return
        }
        const panel = createRunPanel({ title: `${spec.strategy} on ${settings.model}` })
        panel.setStatus('starting')
        replaceChildren(output, panel.element)
        // On a phone the run view sits below the form: bring it into view.
        if (window.matchMedia('(max-width: 760px)').matches) panel.element.scrollIntoView()
        runButton.disabled = true
        try {
          const started = await startRun(spec, settings, panel)
          current = started
          cancelButton.disabled = false
          await started.ended
        } catch (error) {
          const message = (error as Error).message
          formError.textContent = message
          panel.setStatus('failed', message)
        } finally {
          current = undefined
          runButton.disabled = false
          cancelButton.disabled = true
        }
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'model' }, 'model'), modelSelect),
    form.element,
    h(
      'fieldset',
      { class: 'question' },
      h('legend', {}, 'Question'),
      h('label', { for: 'question', class: 'visually-hidden' }, 'question'),
      question,
      h(
        'small',
        { id: 'question-help', class: 'help' },
        'A tinymath word problem (formatted as "Q: ...\\nA:"); examples from the dev set:',
      ),
      exampleButtons,
      h(
        'label',
        { for: 'raw-prompt', class: 'inline' },
        rawPrompt,
        ' send as the raw prompt (other models)',
      ),
    ),
    h(
      'fieldset',
      { class: 'budget' },
      h('legend', {}, 'Budget'),
      numberInput(
        'budget-tokens',
        'generated tokens',
        'stop early with the best answer so far (default: the strategy samples x max tokens)',
      ),
      numberInput('budget-calls', 'model calls', 'default: no limit'),
      numberInput('budget-seconds', 'seconds', `default and maximum: ${models.maxSeconds}`),
      numberInput('budget-usd', 'dollars', 'remote models with a price table; default: no limit'),
      numberInput(
        'max-tokens',
        'max tokens per output',
        `default ${models.defaultMaxTokens}`,
        String(models.defaultMaxTokens),
      ),
      numberInput('seed', 'seed', 'default 0; same seed, same run', '0'),
    ),
    h('div', { class: 'actions' }, runButton, cancelButton),
    formError,
  )
  cancelButton.addEventListener('click', async () => {
    if (!current) return
    cancelButton.disabled = true
    try {
      await requestJson(`/api/runs/${encodeURIComponent(current.id)}/cancel`, {})
    } catch (error) {
      formError.textContent = (error as Error).message
    }
  })

  const compareView = createCompareView({
    strategies,
    currentSpec: () => form.spec(),
    settings: readSettings,
  })
  const scalingView = createScalingView({
    strategies,
    examples,
    settings: () => ({ model: modelSelect.value }),
    scaledSpec: (spec, budget) => requestJson('/api/scaled-spec', { strategy: spec, budget }),
    startRun,
  })
  const tabs: Array<[string, string, HTMLElement]> = [
    ['run', 'Run', h('div', { class: 'run-layout' }, runForm, output)],
    ['compare', 'Compare', compareView],
    ['scaling', 'Scaling', scalingView],
  ]
  const tabButtons = tabs.map(([id, label], index) =>
    h(
      'button',
      {
        type: 'button',
        role: 'tab',
        id: `tab-${id}`,
        'aria-controls': `panel-${id}`,
        'aria-selected': index === 0 ? 'true' : 'false',
        tabindex: index === 0 ? 0 : -1,
        onclick: () => selectTab(index),
        onkeydown: (event) => {
          const key = (event as KeyboardEvent).key
          if (key === 'ArrowRight') selectTab((index + 1) % tabs.length, true)
          if (key === 'ArrowLeft') selectTab((index + tabs.length - 1) % tabs.length, true)
        },
      },
      label,
    ),
  )
  const tabPanels = tabs.map(([id, , content], index) =>
    h(
      'section',
      { role: 'tabpanel', id: `panel-${id}`, 'aria-labelledby': `tab-${id}`, hidden: index !== 0 },
      content,
    ),
  )
  const selectTab = (index: number, focus = false) => {
    tabButtons.forEach((button, i) => {
      button.setAttribute('aria-selected', i === index ? 'true' : 'false')
      button.tabIndex = i === index ? 0 : -1
    })
    tabPanels.forEach((panel, i) => {
      panel.hidden = i !== index
    })
    if (focus) tabButtons[index]?.focus()
  }
  replaceChildren(
    root,
    h(
      'header',
      { class: 'top' },
      h('h1', {}, 'metagen playground'),
      h('nav', { role: 'tablist', 'aria-label': 'views' }, ...tabButtons),
    ),
    h('main', {}, ...tabPanels),
  )
}

/** Options of {@link createCompareView}. */
interface CompareOptions {
  strategies: readonly StrategyInfo[]
  currentSpec: () => StrategySpecLike
  settings: () => RunSettings
}

/** Compare mode: the same question with several strategies, side by side. */
function createCompareView(options: CompareOptions): HTMLElement {
  const names = new Set(options.strategies.map((strategy) => strategy.name))
  const specs: StrategySpecLike[] = [
    { strategy: 'self-consistency', n: 8 },
    { strategy: 'step-beam' },
    { strategy: 'rebase', width: 8 },
  ].filter((spec) => names.has(spec.strategy))
  const list = h('ol', { class: 'compare-list', 'aria-label': 'strategies to compare' })
  const grid = h('div', { class: 'compare-grid' })
  const error = h('p', { class: 'error', role: 'alert' })
  const renderList = () => {
    replaceChildren(
      list,
      ...specs.map((spec, index) =>
        h(
          'li',
          {},
          h('code', {}, JSON.stringify(spec)),
          h(
            'button',
            {
              type: 'button',
              'aria-label': `remove ${spec.strategy}`,
              onclick: () => {
                specs.splice(index, 1)
                renderList()
              },
            },
            'remove',
          ),
        ),
      ),
    )
  }
  renderList()
  const runAll = h(
    'button',
    {
      type: 'button',
      id: 'compare-run',
      class: 'primary',
      onclick: async () => {
        error.textContent = ''
        let settings: RunSettings
        try {
          settings = options.settings()
        } catch (caught) {
          error.textContent = (caught as Error).message
          return
        }
        if (specs.length < 2) {
          error.textContent = 'Add at least two strategies to compare.'
          return
        }
        runAll.disabled = true
        const panels = specs.map((spec) => createRunPanel({ title: spec.strategy, compact: true }))
        replaceChildren(grid, ...panels.map((panel) => panel.element))
        try {
          await Promise.all(
            specs.map(async (spec, index) => {
              const panel = panels[index] as RunPanel
              try {
                const started = await startRun(spec, settings, panel)
                await started.ended
              } catch (caught) {
                panel.setStatus('failed', (caught as Error).message)
              }
            }),
          )
        } finally {
          runAll.disabled = false
        }
      },
    },
    'Run all on the question of the Run tab',
  )
  return h(
    'div',
    { class: 'compare' },
    h(
      'p',
      {},
      'The same question (and model and budget) of the Run tab, with each strategy below, side by side.',
    ),
    list,
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          id: 'compare-add',
          onclick: () => {
            try {
              specs.push(options.currentSpec())
              renderList()
            } catch (caught) {
              error.textContent = (caught as Error).message
            }
          },
        },
        "Add the Run tab's strategy",
      ),
      runAll,
    ),
    error,
    grid,
  )
}

void main()
