// Context-free grammars whose terminals are regular expressions: the common form that JSON
// Schema, GBNF, Lark and plain regexes compile to, and its normalisation into numbered
// productions over byte-level terminal automata for the Earley parser.
import { InvalidArgumentError, MetagenError } from '@metagen/core'
import {
  type ByteAutomaton,
  compileRegexIntersectionToByteAutomaton,
  compileRegexToByteAutomaton,
} from './byte-automaton.js'
import { escapeRegex } from './escape-regex.js'

/**
 * One expression of a {@link Grammar}. A `terminal` is a regular expression (Unicode mode,
 * implicitly anchored) matched over the UTF-8 bytes of the text; a terminal matches any string of
 * its language (there is no lexer and no longest-match rule: the grammar's language is exactly the
 * context-free language in which each terminal stands for its regular language).
 */
export type GrammarExpression =
  | {
      readonly type: 'terminal'
      readonly pattern: string
      /** Further patterns the terminal's strings must also match (intersected as automata). */
      readonly intersect?: readonly string[]
      /** Languages removed from the terminal, each the intersection of its patterns. */
      readonly subtract?: ReadonlyArray<readonly string[]>
    }
  | { readonly type: 'rule'; readonly name: string }
  | { readonly type: 'sequence'; readonly items: readonly GrammarExpression[] }
  | { readonly type: 'choice'; readonly items: readonly GrammarExpression[] }
  | {
      readonly type: 'repeat'
      readonly item: GrammarExpression
      readonly min: number
      /** Upper bound; undefined = unbounded. */
      readonly max?: number
    }

/** A context-free grammar: named rules and the start rule. */
export interface Grammar {
  /** Name of the start rule. */
  readonly start: string
  /** Rule bodies by name. */
  readonly rules: ReadonlyMap<string, GrammarExpression>
}

/** A terminal matching exactly `text`. */
export function literal(text: string): GrammarExpression {
  return { type: 'terminal', pattern: text === '' ? '' : escapeRegex(text) }
}
/** A terminal matching the regular expression `pattern` (Unicode mode, implicitly anchored). */
export function terminal(pattern: string): GrammarExpression {
  return { type: 'terminal', pattern }
}
/**
 * A terminal matching the strings that every one of `patterns` matches and that are in none of
 * the `removed` languages (each the intersection of its patterns).
 */
export function intersectionTerminal(
  patterns: readonly string[],
  removed: ReadonlyArray<readonly string[]> = [],
): GrammarExpression {
  return patterns.length === 1 && removed.length === 0
    ? terminal(patterns[0] as string)
    : {
        type: 'terminal',
        pattern: patterns[0] as string,
        intersect: patterns.slice(1),
        subtract: removed,
      }
}
/** A reference to the rule `name`. */
export function ruleReference(name: string): GrammarExpression {
  return { type: 'rule', name }
}
/** The concatenation of `items` (empty: the empty string). */
export function sequence(...items: GrammarExpression[]): GrammarExpression {
  return items.length === 1 ? (items[0] as GrammarExpression) : { type: 'sequence', items }
}
/** The alternation of `items` (empty: matches nothing). */
export function choice(...items: GrammarExpression[]): GrammarExpression {
  return items.length === 1 ? (items[0] as GrammarExpression) : { type: 'choice', items }
}
/** `item` repeated between `min` and `max` (undefined = unbounded) times. */
export function repeat(item: GrammarExpression, min: number, max?: number): GrammarExpression {
  return max === undefined ? { type: 'repeat', item, min } : { type: 'repeat', item, min, max }
}
/** The empty string. */
export const emptyExpression: GrammarExpression = { type: 'sequence', items: [] }
/** Matches nothing. */
export const nothingExpression: GrammarExpression = { type: 'choice', items: [] }

/** A terminal's byte automaton plus, per state, the fewest bytes to an accepting state. */
export interface CompiledTerminal {
  /** The regex source. */
  readonly pattern: string
  readonly automaton: ByteAutomaton
  /** `distance[state]` = fewest bytes from `state` to acceptance. */
  readonly distance: Int32Array
  /** `hasOutgoing[state]` = 1 when some byte leads on from `state`. */
  readonly hasOutgoing: Uint8Array
  /** `towardAccept[state]` = a byte on a shortest path to acceptance (-1 when accepting). */
  readonly towardAccept: Int16Array
}

/**
 * A grammar normalised for the Earley parser. Symbols are integers: `>= 0` a nonterminal,
 * `< 0` the terminal `~symbol`. Production 0 is the augmented start `S' -> start`.
 */
export interface CompiledGrammar {
  readonly terminals: readonly CompiledTerminal[]
  readonly nonterminalCount: number
  /** Names of nonterminals, for messages. */
  readonly nonterminalNames: readonly string[]
  readonly productionLhs: Int32Array
  readonly productionRhs: readonly Int32Array[]
  /** Productions of each nonterminal. */
  readonly productionsOf: readonly Int32Array[]
  readonly nullable: Uint8Array
  /** `suffixMinimum[production][dot]` = fewest bytes the symbols from `dot` on can derive. */
  readonly suffixMinimum: readonly Int32Array[]
  /** Fewest bytes of a complete text. */
  readonly minimumLength: number
  /** A shortest text (bytes) of each nonterminal (empty for unproductive ones). */
  readonly minimumText: readonly Uint8Array[]
}

/** A shortest text of a terminal automaton from `state`. */
export function shortestSuffix(compiled: CompiledTerminal, state: number): number[] {
  const bytes: number[] = []
  let current = state
  while (current >= 0 && !compiled.automaton.accepting[current]) {
    const byte = compiled.towardAccept[current] as number
    if (byte < 0) break
    bytes.push(byte)
    current = compiled.automaton.transitions[current * 256 + byte] as number
  }
  return bytes
}

/** Shortest texts of the nonterminals from their best productions (well-founded by construction). */
function minimumTexts(
  count: number,
  best: ReadonlyArray<{ lhs: number; rhs: number[] } | undefined>,
  terminals: ReadonlyArray<CompiledTerminal | null>,
): Uint8Array[] {
  const texts: Array<Uint8Array | undefined> = new Array(count)
  const build = (nonterminal: number): Uint8Array => {
    const known = texts[nonterminal]
    if (known) return known
    texts[nonterminal] = new Uint8Array(0)
    const production = best[nonterminal]
    const parts: number[] = []
    for (const symbol of production?.rhs ?? []) {
      if (symbol >= 0) parts.push(...build(symbol))
      else parts.push(...shortestSuffix(terminals[~symbol] as CompiledTerminal, 0))
    }
    const text = Uint8Array.from(parts)
    texts[nonterminal] = text
    return text
  }
  return Array.from({ length: count }, (_, nonterminal) => build(nonterminal))
}

/** Options of {@link compileGrammar}. */
export interface CompileGrammarOptions {
  /**
   * Largest regex source (characters) that a non-recursive part of the grammar is folded into,
   * so that it becomes one terminal (fewer parser steps) instead of a structure of rules (default
   * 2000). Folding never changes the language.
   */
  maxTerminalSize?: number
}

const infinity = 0x3fffffff

/**
 * Normalises a {@link Grammar}: folds non-recursive regular parts into single terminals,
 * lowers sequences, choices and repeats to productions (left-recursive for unbounded repeats,
 * which the Earley parser handles in constant space per position), compiles every terminal to a
 * byte automaton and removes productions that can derive no text. Throws
 * {@link InvalidArgumentError} for an undefined rule, an invalid terminal or a grammar whose
 * start rule derives no text.
 */
export function compileGrammar(
  grammar: Grammar,
  options: CompileGrammarOptions = {},
): CompiledGrammar {
  const maxTerminalSize = options.maxTerminalSize ?? 2000
  for (const name of referencedRules(grammar)) {
    if (!grammar.rules.has(name)) {
      throw new InvalidArgumentError({
        argument: 'grammar',
        expected: `a definition of every referenced rule (rule "${name}" is not defined)`,
        received: [...grammar.rules.keys()],
      })
    }
  }
  if (!grammar.rules.has(grammar.start)) {
    throw new InvalidArgumentError({
      argument: 'grammar.start',
      expected: `a defined rule name (${[...grammar.rules.keys()].slice(0, 10).join(', ')})`,
      received: grammar.start,
    })
  }

  // Regular (reference-free after inlining non-recursive rules) sources of rules, memoised.
  const regularOfRule = new Map<string, string | null>()
  const visiting = new Set<string>()
  const regularMemo = new WeakMap<GrammarExpression, string | null>()
  const regularOf = (expression: GrammarExpression): string | null => {
    const memo = regularMemo.get(expression)
    if (memo !== undefined) return memo
    const result = regularOfUncached(expression)
    regularMemo.set(expression, result)
    return result
  }
  const regularOfUncached = (expression: GrammarExpression): string | null => {
    switch (expression.type) {
      case 'terminal':
        return expression.intersect || expression.subtract ? null : expression.pattern
      case 'rule': {
        const cached = regularOfRule.get(expression.name)
        if (cached !== undefined) return cached
        if (visiting.has(expression.name)) return null
        visiting.add(expression.name)
        const result = regularOf(grammar.rules.get(expression.name) as GrammarExpression)
        visiting.delete(expression.name)
        const bounded = result !== null && result.length <= maxTerminalSize ? result : null
        regularOfRule.set(expression.name, bounded)
        return bounded
      }
      case 'sequence': {
        let source = ''
        for (const item of expression.items) {
          const part = regularOf(item)
          if (part === null) return null
          source += `(?:${part})`
          if (source.length > maxTerminalSize) return null
        }
        return source
      }
      case 'choice': {
        if (expression.items.length === 0) return '[]'
        const parts: string[] = []
        for (const item of expression.items) {
          const part = regularOf(item)
          if (part === null) return null
          parts.push(part)
        }
        const source = `(?:${parts.join('|')})`
        return source.length > maxTerminalSize ? null : source
      }
      case 'repeat': {
        const part = regularOf(expression.item)
        if (part === null) return null
        // Large counted repeats blow up the DFA; keep those as rules.
        if (expression.max !== undefined && expression.max > 64 && part.length > 16) return null
        const source = `(?:${part}){${expression.min},${expression.max ?? ''}}`
        return source.length > maxTerminalSize ? null : source
      }
    }
  }

  const nonterminalNames: string[] = ["S'"]
  const productions: Array<{ lhs: number; rhs: number[] }> = []
  const ruleIds = new Map<string, number>()
  const terminalIds = new Map<string, number>()
  const terminalPatterns: string[] = []
  const newNonterminal = (name: string): number => {
    nonterminalNames.push(name)
    return nonterminalNames.length - 1
  }
  const terminalSymbol = (pattern: string): number => {
    let id = terminalIds.get(pattern)
    if (id === undefined) {
      id = terminalPatterns.length
      terminalPatterns.push(pattern)
      terminalIds.set(pattern, id)
    }
    return ~id
  }
  const pending: Array<[string, number]> = []
  const ruleSymbol = (name: string): number => {
    let id = ruleIds.get(name)
    if (id === undefined) {
      id = newNonterminal(name)
      ruleIds.set(name, id)
      pending.push([name, id])
    }
    return id
  }

  /** Symbols of `expression` as one sequence (terminal runs folded). */
  const symbolsOf = (expression: GrammarExpression, context: string): number[] => {
    if (expression.type === 'sequence') {
      const result: number[] = []
      let run = ''
      let runLength = 0
      const flush = (): void => {
        if (runLength > 0) result.push(terminalSymbol(runLength === 1 ? run.slice(3, -1) : run))
        run = ''
        runLength = 0
      }
      for (const item of expression.items) {
        const regular = regularOf(item)
        if (regular !== null && run.length + regular.length <= maxTerminalSize) {
          if (regular === '') continue
          run += `(?:${regular})`
          runLength++
          continue
        }
        flush()
        if (regular !== null) {
          if (regular !== '') result.push(terminalSymbol(regular))
          continue
        }
        result.push(...symbolsOf(item, context))
      }
      flush()
      return result
    }
    const regular = regularOf(expression)
    if (regular !== null) return regular === '' ? [] : [terminalSymbol(regular)]
    return [symbolOf(expression, context)]
  }

  const symbolMemo = new WeakMap<GrammarExpression, number>()
  const symbolOf = (expression: GrammarExpression, context: string): number => {
    const memo = symbolMemo.get(expression)
    if (memo !== undefined) return memo
    const result = symbolOfUncached(expression, context)
    symbolMemo.set(expression, result)
    return result
  }
  const symbolOfUncached = (expression: GrammarExpression, context: string): number => {
    if (expression.type === 'terminal' && (expression.intersect || expression.subtract)) {
      return terminalSymbol(
        JSON.stringify({
          [intersectionKey]: [expression.pattern, ...(expression.intersect ?? [])],
          subtract: expression.subtract ?? [],
        }),
      )
    }
    const regular = regularOf(expression)
    if (regular !== null) {
      if (regular === '') {
        const id = newNonterminal(`${context}~empty`)
        productions.push({ lhs: id, rhs: [] })
        return id
      }
      return terminalSymbol(regular)
    }
    switch (expression.type) {
      case 'rule':
        return ruleSymbol(expression.name)
      case 'sequence': {
        const id = newNonterminal(`${context}~seq`)
        productions.push({ lhs: id, rhs: symbolsOf(expression, context) })
        return id
      }
      case 'choice': {
        const id = newNonterminal(`${context}~alt`)
        for (const item of expression.items) {
          productions.push({ lhs: id, rhs: symbolsOf(item, context) })
        }
        return id
      }
      case 'repeat': {
        const item = symbolsOf(expression.item, context)
        const id = newNonterminal(`${context}~rep`)
        const body: number[] = []
        for (let count = 0; count < expression.min; count++) body.push(...item)
        if (expression.max === undefined) {
          const star = newNonterminal(`${context}~star`)
          productions.push({ lhs: star, rhs: [] }, { lhs: star, rhs: [star, ...item] })
          body.push(star)
        } else if (expression.max > expression.min) {
          // opt_k -> '' | item opt_{k-1}: at most max - min more.
          let tail = -1
          for (let count = 0; count < expression.max - expression.min; count++) {
            const optional = newNonterminal(`${context}~opt`)
            productions.push({ lhs: optional, rhs: [] })
            productions.push({ lhs: optional, rhs: tail < 0 ? [...item] : [...item, tail] })
            tail = optional
          }
          body.push(tail)
        } else if (expression.max < expression.min) {
          return symbolOf(nothingExpression, context)
        }
        productions.push({ lhs: id, rhs: body })
        return id
      }
      default:
        throw new MetagenError('unreachable')
    }
  }

  productions.push({ lhs: 0, rhs: [ruleSymbol(grammar.start)] })
  while (pending.length > 0) {
    const [name, id] = pending.pop() as [string, number]
    const body = grammar.rules.get(name) as GrammarExpression
    if (body.type === 'choice') {
      for (const item of body.items) productions.push({ lhs: id, rhs: symbolsOf(item, name) })
    } else {
      productions.push({ lhs: id, rhs: symbolsOf(body, name) })
    }
  }

  // Terminals: compile; a terminal that matches nothing is unproductive.
  const terminals: Array<CompiledTerminal | null> = terminalPatterns.map((pattern) => {
    if (pattern === '[]') return null
    try {
      return compileTerminal(pattern)
    } catch (error) {
      if (
        error instanceof InvalidArgumentError &&
        String(error.message).includes('matches at least one string')
      ) {
        return null
      }
      throw new InvalidArgumentError({
        argument: 'grammar',
        expected: `valid terminal regular expressions (${(error as Error).message})`,
        received: pattern,
        cause: error,
      })
    }
  })

  // Minimum lengths (bytes) by fixpoint; infinity = unproductive.
  const count = nonterminalNames.length
  const minimum = new Int32Array(count).fill(infinity)
  const bestProduction: Array<{ lhs: number; rhs: number[] } | undefined> = []
  const symbolMinimum = (symbol: number): number =>
    symbol >= 0
      ? (minimum[symbol] as number)
      : terminals[~symbol]
        ? ((terminals[~symbol] as CompiledTerminal).distance[0] as number)
        : infinity
  for (let changed = true; changed; ) {
    changed = false
    for (const production of productions) {
      let total = 0
      for (const symbol of production.rhs) total = Math.min(infinity, total + symbolMinimum(symbol))
      if (total < (minimum[production.lhs] as number)) {
        minimum[production.lhs] = total
        bestProduction[production.lhs] = production
        changed = true
      }
    }
  }
  if ((minimum[0] as number) >= infinity) {
    throw new InvalidArgumentError({
      argument: 'grammar',
      expected: 'a grammar whose start rule derives at least one text',
      received: grammar.start,
    })
  }
  const kept = productions.filter(
    (production, index) =>
      index === 0 ||
      ((minimum[production.lhs] as number) < infinity &&
        production.rhs.every((symbol) => symbolMinimum(symbol) < infinity)),
  )
  // Production 0 must be the augmented start.
  const productionLhs = Int32Array.from(kept, (production) => production.lhs)
  const productionRhs = kept.map((production) => Int32Array.from(production.rhs))
  const byLhs: number[][] = Array.from({ length: count }, () => [])
  kept.forEach((production, index) => {
    byLhs[production.lhs]?.push(index)
  })
  const nullable = new Uint8Array(count)
  for (let changed = true; changed; ) {
    changed = false
    kept.forEach((production) => {
      if (nullable[production.lhs]) return
      if (
        production.rhs.every((symbol) =>
          symbol >= 0
            ? nullable[symbol] === 1
            : (terminals[~symbol] as CompiledTerminal).automaton.accepting[0] === 1,
        )
      ) {
        nullable[production.lhs] = 1
        changed = true
      }
    })
  }
  const suffixMinimum = kept.map((production) => {
    const suffix = new Int32Array(production.rhs.length + 1)
    for (let dot = production.rhs.length - 1; dot >= 0; dot--) {
      suffix[dot] = Math.min(
        infinity,
        (suffix[dot + 1] as number) + symbolMinimum(production.rhs[dot] as number),
      )
    }
    return suffix
  })
  return {
    terminals: terminals.map(
      (compiled) =>
        compiled ?? {
          pattern: '[]',
          automaton: {
            stateCount: 0,
            transitions: new Int32Array(0),
            accepting: new Uint8Array(0),
          },
          distance: new Int32Array(0),
          hasOutgoing: new Uint8Array(0),
          towardAccept: new Int16Array(0),
        },
    ),
    nonterminalCount: count,
    nonterminalNames,
    productionLhs,
    productionRhs,
    productionsOf: byLhs.map((list) => Int32Array.from(list)),
    nullable,
    suffixMinimum,
    minimumLength: minimum[0] as number,
    minimumText: minimumTexts(count, bestProduction, terminals),
  }
}

const terminalCache = new Map<string, CompiledTerminal>()
/** Marks the key of an intersection terminal (a JSON object; no valid Unicode-mode pattern starts with `{"~`). */
const intersectionKey = '~intersect~'

/** Compiles one terminal pattern (cached process-wide by source). */
function compileTerminal(pattern: string): CompiledTerminal {
  const cached = terminalCache.get(pattern)
  if (cached) return cached
  let automaton: ByteAutomaton
  if (pattern.startsWith(`{"${intersectionKey}`)) {
    const parsed = JSON.parse(pattern) as Record<string, string[] & string[][]>
    automaton = compileRegexIntersectionToByteAutomaton(
      parsed[intersectionKey] as string[],
      parsed.subtract as string[][],
    )
  } else {
    automaton = compileRegexToByteAutomaton(pattern)
  }
  if (automaton.stateCount === 0) {
    throw new InvalidArgumentError({
      argument: 'pattern',
      expected: 'a regular expression that matches at least one string',
      received: pattern,
    })
  }
  const { stateCount, transitions, accepting } = automaton
  const reverse: number[][] = Array.from({ length: stateCount }, () => [])
  const hasOutgoing = new Uint8Array(stateCount)
  for (let state = 0; state < stateCount; state++) {
    for (let byte = 0; byte < 256; byte++) {
      const target = transitions[state * 256 + byte] as number
      if (target >= 0) {
        reverse[target]?.push(state)
        hasOutgoing[state] = 1
      }
    }
  }
  const distance = new Int32Array(stateCount).fill(infinity)
  const queue: number[] = []
  for (let state = 0; state < stateCount; state++) {
    if (accepting[state]) {
      distance[state] = 0
      queue.push(state)
    }
  }
  for (let position = 0; position < queue.length; position++) {
    const state = queue[position] as number
    for (const source of reverse[state] as number[]) {
      if ((distance[source] as number) === infinity) {
        distance[source] = (distance[state] as number) + 1
        queue.push(source)
      }
    }
  }
  const towardAccept = new Int16Array(stateCount).fill(-1)
  for (let state = 0; state < stateCount; state++) {
    if (accepting[state]) continue
    for (let byte = 0; byte < 256; byte++) {
      const target = transitions[state * 256 + byte] as number
      if (target >= 0 && (distance[target] as number) === (distance[state] as number) - 1) {
        towardAccept[state] = byte
        break
      }
    }
  }
  const compiled = { pattern, automaton, distance, hasOutgoing, towardAccept }
  if (terminalCache.size > 5000) terminalCache.clear()
  terminalCache.set(pattern, compiled)
  return compiled
}

function referencedRules(grammar: Grammar): Set<string> {
  const names = new Set<string>()
  const visit = (expression: GrammarExpression): void => {
    switch (expression.type) {
      case 'rule':
        names.add(expression.name)
        return
      case 'sequence':
      case 'choice':
        for (const item of expression.items) visit(item)
        return
      case 'repeat':
        visit(expression.item)
        return
      default:
        return
    }
  }
  for (const body of grammar.rules.values()) visit(body)
  return names
}

/** Sentinel for "unreachable" lengths in {@link CompiledGrammar} tables. */
export const grammarInfinity = infinity
