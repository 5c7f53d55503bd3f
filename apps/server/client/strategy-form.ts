// The strategy form: a select of the registry's strategies and, for the chosen one, a field per
// option generated from its JSON Schema (defaults as placeholders, ranges and help text shown,
// errors named), nested strategies as nested forms, and a JSON or YAML view of the same spec.
import { h, replaceChildren } from './dom.js'
import {
  defaultState,
  describeRange,
  type FormField,
  type FormState,
  fieldsFromSchema,
  type JsonSchema,
  parseFieldInput,
  type StrategySpecLike,
  specFromState,
  stateFromSpec,
} from './schema-form.js'
import { formatSpec, parseSpec, type SpecFormat } from './spec-text.js'

/** A strategy of the server's registry (`GET /api/strategies`). */
export interface StrategyInfo {
  name: string
  package: string
  description: string
  scalable: boolean
  schema: JsonSchema
}

/** A mounted strategy form. */
export interface StrategyForm {
  readonly element: HTMLElement
  /** The spec as the form shows it; throws an Error naming the first invalid field. */
  spec(): StrategySpecLike
  /** Replaces the form's state with a spec (throws naming a bad path). */
  setSpec(spec: unknown): void
}

/** Creates the form over `strategies`, starting with `initial`. */
export function createStrategyForm(
  strategies: readonly StrategyInfo[],
  initial: unknown,
): StrategyForm {
  const schemas = new Map(strategies.map((strategy) => [strategy.name, strategy.schema]))
  const byName = new Map(strategies.map((strategy) => [strategy.name, strategy]))
  let state: FormState = stateFromSpec(initial, schemas)
  const errors = new Map<string, string>()
  // Whether each (nested) options list is expanded, kept across redraws.
  const openOptions = new Map<string, boolean>()
  const body = h('div', { class: 'strategy-form-body' })
  // The spec as text, in JSON or YAML (the CLI reads both as spec files); editing and applying
  // it replaces the form's state.
  let specFormat: SpecFormat = 'json'
  const specArea = h('textarea', {
    id: 'spec-text',
    class: 'spec-text',
    rows: 8,
    spellcheck: 'false',
    'aria-label': 'the strategy spec as text',
  })
  const specError = h('p', { class: 'error', role: 'alert' })
  const formatSelect = h(
    'select',
    {
      id: 'spec-format',
      'aria-label': 'spec format',
      onchange: (event) => {
        specFormat = (event.target as HTMLSelectElement).value as SpecFormat
        specArea.value = formatSpec(specFromState(state), specFormat)
        specError.textContent = ''
      },
    },
    h('option', { value: 'json', selected: true }, 'JSON'),
    h('option', { value: 'yaml' }, 'YAML'),
  )
  const specView = h(
    'details',
    { class: 'spec-view' },
    h('summary', {}, 'Spec as JSON or YAML (edit and apply)'),
    formatSelect,
    specArea,
    h(
      'button',
      {
        type: 'button',
        id: 'apply-spec',
        onclick: () => {
          try {
            form.setSpec(parseSpec(specArea.value, specFormat))
            specError.textContent = ''
          } catch (error) {
            specError.textContent = (error as Error).message
          }
        },
      },
      'Apply spec',
    ),
    specError,
  )
  const element = h(
    'fieldset',
    { class: 'strategy-form' },
    h('legend', {}, 'Strategy'),
    body,
    specView,
  )

  const strategySelect = (
    id: string,
    value: string | undefined,
    onChange: (name: string | undefined) => void,
    allowDefault: boolean,
  ) => {
    const packages = [...new Set(strategies.map((strategy) => strategy.package))]
    const select = h(
      'select',
      {
        id,
        onchange: (event) => {
          const chosen = (event.target as HTMLSelectElement).value
          onChange(chosen === '' ? undefined : chosen)
        },
      },
      allowDefault ? h('option', { value: '' }, '(default)') : null,
      ...packages.map((name) =>
        h(
          'optgroup',
          { label: name },
          ...strategies
            .filter((strategy) => strategy.package === name)
            .map((strategy) =>
              h(
                'option',
                { value: strategy.name, selected: strategy.name === value },
                strategy.name,
              ),
            ),
        ),
      ),
    )
    select.value = value ?? ''
    return select
  }

  const renderField = (field: FormField, target: FormState, path: string): HTMLElement => {
    const id = `${path.replace(/\./g, '-')}-${field.key}`
    const facts = [
      field.kind === 'string' && field.minLength === undefined ? '' : describeRange(field),
      field.default !== undefined ? `default ${JSON.stringify(field.default)}` : '',
    ].filter(Boolean)
    const help = [field.description, facts.length > 0 ? `(${facts.join('; ')})` : '']
      .filter(Boolean)
      .join(' ')
    const helpId = `${id}-help`
    const label = h('label', { for: id }, field.key)
    const error = errors.get(`${path}.${field.key}`)
    const wrap = (...control: HTMLElement[]) =>
      h(
        'div',
        { class: `field${error ? ' invalid' : ''}`, 'data-option': `${path}.${field.key}` },
        label,
        ...control,
        h('small', { id: helpId, class: 'help' }, help),
        error ? h('small', { class: 'error', role: 'alert' }, error) : null,
      )
    const current = target.values[field.key]
    if (field.kind === 'strategy') {
      const nested = target.nested[field.key]
      const select = strategySelect(
        id,
        nested?.strategy,
        (name) => {
          if (name === undefined) delete target.nested[field.key]
          else target.nested[field.key] = defaultState(name)
          render()
        },
        true,
      )
      select.setAttribute('aria-describedby', helpId)
      const container = wrap(select)
      if (nested) {
        container.append(renderStrategy(nested, `${path}.${field.key}`, true))
      }
      return container
    }
    if (field.kind === 'boolean' || field.kind === 'enum') {
      const options = field.kind === 'boolean' ? ['true', 'false'] : (field.options ?? [])
      const select = h(
        'select',
        {
          id,
          'aria-describedby': helpId,
          onchange: (event) =>
            update(field, target, path, (event.target as HTMLSelectElement).value),
        },
        h('option', { value: '' }, `default (${JSON.stringify(field.default ?? 'none')})`),
        ...options.map((option) => h('option', { value: option }, option)),
      )
      select.value = current === undefined ? '' : String(current)
      return wrap(select)
    }
    const numeric = field.kind === 'integer' || field.kind === 'number'
    const input = h('input', {
      id,
      type: 'text',
      inputmode: numeric ? (field.kind === 'integer' ? 'numeric' : 'decimal') : undefined,
      placeholder:
        field.default !== undefined
          ? String(
              typeof field.default === 'object' ? JSON.stringify(field.default) : field.default,
            )
          : '',
      'aria-describedby': helpId,
      'aria-invalid': error ? 'true' : undefined,
      onchange: (event) => update(field, target, path, (event.target as HTMLInputElement).value),
    })
    input.value =
      current === undefined ? '' : typeof current === 'string' ? current : JSON.stringify(current)
    return wrap(input)
  }

  const update = (field: FormField, target: FormState, path: string, text: string) => {
    const parsed = parseFieldInput(field, text)
    const key = `${path}.${field.key}`
    if (parsed.ok) {
      errors.delete(key)
      if (parsed.value === undefined) delete target.values[field.key]
      else target.values[field.key] = parsed.value
    } else {
      errors.set(key, parsed.error)
    }
    render()
  }

  const renderStrategy = (target: FormState, path: string, nested: boolean): HTMLElement => {
    const info = byName.get(target.strategy)
    const fields = info ? fieldsFromSchema(info.schema) : []
    const rendered = fields.map((field) => renderField(field, target, path))
    const changed = Object.keys(target.values).length + Object.keys(target.nested).length
    return h(
      'div',
      { class: nested ? 'nested-form' : 'root-form', 'data-strategy': target.strategy },
      info ? h('p', { class: 'description' }, info.description) : null,
      rendered.length > 0
        ? h(
            'details',
            {
              class: 'options',
              open: openOptions.get(path) ?? true,
              ontoggle: (event) => openOptions.set(path, (event.target as HTMLDetailsElement).open),
            },
            h(
              'summary',
              {},
              `options (${rendered.length}${changed > 0 ? `, ${changed} set` : ''})`,
            ),
            ...rendered,
          )
        : null,
    )
  }

  const render = () => {
    const active = document.activeElement as HTMLElement | null
    const activeId = active?.id
    const select = strategySelect(
      'strategy',
      state.strategy,
      (name) => {
        state = defaultState(name as string)
        errors.clear()
        render()
      },
      false,
    )
    replaceChildren(
      body,
      h('div', { class: 'field' }, h('label', { for: 'strategy' }, 'strategy'), select),
      renderStrategy(state, 'strategy', false),
    )
    specArea.value = formatSpec(specFromState(state), specFormat)
    if (activeId) document.getElementById(activeId)?.focus()
  }

  const form: StrategyForm = {
    element,
    spec() {
      const first = errors.values().next()
      if (!first.done) throw new Error(first.value)
      return specFromState(state)
    },
    setSpec(spec) {
      state = stateFromSpec(spec, schemas)
      errors.clear()
      render()
    },
  }
  render()
  return form
}
