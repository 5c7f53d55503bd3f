// Output constraints (regular expression, JSON schema, fixed choices) and their compiled,
// token-level form that decoders use to mask logits and to track where a sequence stands.
import { assertInteger, InvalidArgumentError, MetagenError, type Tokenizer } from '@metagen/core'
import {
  type ByteAutomaton,
  byteAutomatonMatches,
  type CompileRegexOptions,
  compileRegexToByteAutomaton,
} from './byte-automaton.js'
import { advanceParserState, initialParserState } from './earley-parser.js'
import { escapeRegex } from './escape-regex.js'
import { type CompiledGrammar, compileGrammar, type Grammar } from './grammar.js'
import { type GrammarSyntax, parseGrammar } from './grammar-syntax.js'
import { createGrammarTokenMachine, type GrammarTokenMachine } from './grammar-token-constraint.js'
import { createTokenIndex, type TokenIndex } from './token-index.js'

/**
 * A constraint on the whole generated text, independent of any tokenizer. Regex and choice
 * constraints are regular (`automaton`); JSON-schema and grammar constraints are context-free
 * (`grammar`). Compile either for a tokenizer with {@link compileConstraint}.
 */
export interface Constraint {
  /** What the constraint was made from. */
  readonly kind: 'regex' | 'json-schema' | 'choice' | 'grammar'
  /**
   * Regex and choice constraints: the regular expression (Unicode mode, implicitly anchored)
   * that outputs must match. Grammar and JSON-schema constraints: a short description used in
   * error messages.
   */
  readonly pattern: string
  /** Identifies the constraint in the per-tokenizer index cache. */
  readonly cacheKey: string
  /** Regular constraints: the byte-level automaton of `pattern` (compiled once, on first use). */
  automaton?(): ByteAutomaton
  /** Context-free constraints: the compiled grammar (compiled once, on first use). */
  grammar?(): CompiledGrammar
  /** True when `text` as a whole satisfies the constraint. */
  matches(text: string): boolean
}

/** Thrown when a constrained generation cannot go on: no token is allowed, or too few tokens are left. */
export class ConstraintError extends MetagenError {
  override readonly name = 'ConstraintError'
  /** The constraint's pattern. */
  readonly pattern: string
  constructor(options: { pattern: string; message: string }) {
    super(options.message)
    this.pattern = options.pattern
  }
}

/**
 * A regular-expression constraint: the generated text must match `pattern` as a whole (a
 * leading `^` and trailing `$` are optional). Invalid or unsupported patterns (lookarounds,
 * word boundaries, backreferences) and patterns that match nothing throw
 * {@link InvalidArgumentError} when the automaton is first built; call `automaton()` to check
 * eagerly.
 */
export function createRegexConstraint(
  pattern: string | RegExp,
  options: CompileRegexOptions = {},
): Constraint {
  const source = typeof pattern === 'string' ? pattern : pattern.source
  if (typeof source !== 'string' || source === '') {
    throw new InvalidArgumentError({
      argument: 'pattern',
      expected: 'a non-empty regular expression',
      received: pattern,
    })
  }
  const flags = `${typeof pattern === 'string' ? '' : pattern.flags}${options.ignoreCase ? 'i' : ''}${options.dotAll ? 's' : ''}`
  return makeConstraint('regex', pattern, options, `regex:${flags}:${source}`)
}

/**
 * A context-free constraint from a {@link Grammar}: the generated text must be derivable from
 * the start rule. `description` names it in error messages. The grammar is normalised when the
 * constraint is created (errors are thrown here, not at decoding time).
 */
export function createGrammarConstraintFromGrammar(
  grammar: Grammar,
  options: { kind?: 'grammar' | 'json-schema'; description?: string; cacheKey?: string } = {},
): Constraint {
  const compiled = compileGrammar(grammar)
  const description = options.description ?? `grammar <${grammar.start}>`
  return {
    kind: options.kind ?? 'grammar',
    pattern: description,
    cacheKey: options.cacheKey ?? `grammar:${grammarCounter++}`,
    grammar: () => compiled,
    matches(text) {
      const state = advanceParserState(
        compiled,
        initialParserState(compiled),
        new TextEncoder().encode(text),
      )
      return state?.accepting === true
    },
  }
}

let grammarCounter = 0

/** Options of {@link createGrammarConstraint}. */
export interface GrammarConstraintOptions {
  /** Syntax of a grammar given as text (default `gbnf`; `ebnf` is the same dialect). */
  syntax?: GrammarSyntax
  /** Start rule (default `root` for GBNF/EBNF, `start` for Lark). */
  start?: string
}

/**
 * A context-free grammar constraint: the generated text must be derivable from the start rule
 * of `grammar`, given as text ({@link parseGrammar}: GBNF/EBNF or a Lark subset) or as a
 * {@link Grammar}. Syntax errors, undefined rules and grammars that derive no text throw
 * {@link InvalidArgumentError} here.
 */
export function createGrammarConstraint(
  grammar: string | Grammar,
  options: GrammarConstraintOptions = {},
): Constraint {
  if (typeof grammar === 'string') {
    const parsed = parseGrammar(grammar, options)
    const syntax = options.syntax ?? 'gbnf'
    return createGrammarConstraintFromGrammar(parsed, {
      description: `${syntax} grammar <${options.start ?? parsed.start}>`,
      cacheKey: `grammar:${syntax}:${options.start ?? ''}:${grammar}`,
    })
  }
  if (typeof grammar !== 'object' || grammar === null || !(grammar.rules instanceof Map)) {
    throw new InvalidArgumentError({
      argument: 'grammar',
      expected: 'grammar text or a Grammar ({ start, rules: Map })',
      received: grammar,
    })
  }
  return createGrammarConstraintFromGrammar(
    options.start !== undefined ? { ...grammar, start: options.start } : grammar,
  )
}

/** A choice constraint: the generated text is exactly one of `choices` (non-empty strings). */
export function createChoiceConstraint(choices: readonly string[]): Constraint {
  if (
    !Array.isArray(choices) ||
    choices.length === 0 ||
    choices.some((choice) => typeof choice !== 'string' || choice === '')
  ) {
    throw new InvalidArgumentError({
      argument: 'choices',
      expected: 'a non-empty array of non-empty strings',
      received: choices,
    })
  }
  const pattern = `(?:${choices.map(escapeRegex).join('|')})`
  return makeConstraint('choice', pattern, {}, `choice:${pattern}`)
}

function makeConstraint(
  kind: Constraint['kind'],
  pattern: string | RegExp,
  options: CompileRegexOptions,
  cacheKey: string,
): Constraint {
  let automaton: ByteAutomaton | undefined
  const build = (): ByteAutomaton => {
    automaton ??= compileRegexToByteAutomaton(pattern, options)
    return automaton
  }
  return {
    kind,
    pattern: typeof pattern === 'string' ? pattern : pattern.source,
    cacheKey,
    automaton: build,
    matches: (text) => byteAutomatonMatches(build(), text),
  }
}

/**
 * A constraint compiled for one tokenizer. A sequence's progress is a plain integer state
 * (start at {@link TokenConstraint.initialState}), so beams and forked samples just copy it.
 */
export interface TokenConstraint {
  /** The constraint this was compiled from. */
  readonly constraint: Constraint
  /** Regular constraints: the token-level index (allowed tokens and next state per state). */
  readonly index?: TokenIndex
  /** State of an empty output. */
  readonly initialState: number
  /**
   * Masks `logits` in place: every token that is not allowed in `state` becomes -Infinity,
   * allowed tokens keep their value; eos ids are allowed only in accepting states. With
   * `remainingTokens` (tokens that may still be generated, this one included, eos not counted),
   * tokens after which acceptance needs more tokens than remain are also masked, so an output
   * cut by the token limit still matches. Throws {@link ConstraintError} when nothing is allowed.
   */
  maskLogits(state: number, logits: Float32Array, options?: { remainingTokens?: number }): void
  /** Allowed token ids of `state` (eos included when accepting), ascending. Same options as maskLogits. */
  allowedTokens(state: number, options?: { remainingTokens?: number }): number[]
  /**
   * The state after `token`. Throws {@link ConstraintError} when the token is not allowed
   * (eos ids are not advanced over: check {@link TokenConstraint.isEos} first).
   */
  advance(state: number, token: number): number
  /** True when `state` is accepting: the text so far matches and eos is allowed. */
  isAccepting(state: number): boolean
  /** True when `token` is an end-of-text id of the tokenizer. */
  isEos(token: number): boolean
  /** The fewest further tokens that reach an accepting state. */
  distanceToAccept(state: number): number
}

/**
 * Compiles a constraint for a tokenizer. The token index is cached per (tokenizer, constraint
 * pattern), so compiling the same constraint again for the same tokenizer is free. Throws
 * {@link ConstraintError} when no sequence of the tokenizer's tokens can satisfy the constraint.
 */
export function compileConstraint(constraint: Constraint, tokenizer: Tokenizer): TokenConstraint {
  if (constraint.grammar) return compileGrammarConstraint(constraint, tokenizer)
  if (!constraint.automaton) {
    throw new InvalidArgumentError({
      argument: 'constraint',
      expected: 'a Constraint with an automaton() or a grammar()',
      received: constraint,
    })
  }
  const index = createTokenIndex(tokenizer, constraint.automaton(), {
    cacheKey: constraint.cacheKey,
  })
  if (!Number.isFinite(index.distanceToAccept(0))) {
    throw new ConstraintError({
      pattern: constraint.pattern,
      message: `No sequence of this tokenizer's tokens matches the constraint /${constraint.pattern}/.`,
    })
  }
  const eos = new Set(index.eosTokenIds)
  const checkRemaining = (remaining: number | undefined): void => {
    if (remaining !== undefined) assertInteger('remainingTokens', remaining, 0)
  }
  const allowed = (state: number, remaining: number | undefined): number[] => {
    const result: number[] = []
    if (index.isAccepting(state)) result.push(...index.eosTokenIds)
    const tokens = index.allowedTokens(state)
    for (const token of tokens) {
      if (remaining !== undefined) {
        const next = index.nextState(state, token)
        if (1 + index.distanceToAccept(next) > remaining) continue
      }
      result.push(token)
    }
    return result.sort((left, right) => left - right)
  }
  const fail = (state: number, remaining: number | undefined): never => {
    const needed = index.distanceToAccept(state)
    throw new ConstraintError({
      pattern: constraint.pattern,
      message:
        remaining !== undefined && needed > remaining
          ? `The constraint /${constraint.pattern}/ needs at least ${needed} more tokens, but only ${remaining} remain (raise maxTokens).`
          : `No token is allowed by the constraint /${constraint.pattern}/ in state ${state}.`,
    })
  }
  return {
    constraint,
    index,
    initialState: 0,
    maskLogits(state, logits, options = {}) {
      checkRemaining(options.remainingTokens)
      const tokens = allowed(state, options.remainingTokens)
      let anyFinite = false
      let position = 0
      for (let token = 0; token < logits.length; token++) {
        if (tokens[position] === token) {
          position++
          if ((logits[token] as number) > Number.NEGATIVE_INFINITY) anyFinite = true
        } else {
          logits[token] = Number.NEGATIVE_INFINITY
        }
      }
      if (!anyFinite) fail(state, options.remainingTokens)
    },
    allowedTokens(state, options = {}) {
      checkRemaining(options.remainingTokens)
      return allowed(state, options.remainingTokens)
    },
    advance(state, token) {
      const next = index.nextState(state, token)
      if (next < 0) {
        throw new ConstraintError({
          pattern: constraint.pattern,
          message: `Token ${token} is not allowed by the constraint /${constraint.pattern}/ in state ${state}.`,
        })
      }
      return next
    },
    isAccepting: (state) => index.isAccepting(state),
    isEos: (token) => eos.has(token),
    distanceToAccept: (state) => index.distanceToAccept(state),
  }
}

const machineCache = new WeakMap<Tokenizer, Map<string, GrammarTokenMachine>>()

/** {@link compileConstraint} for context-free constraints (machine cached per tokenizer and key). */
function compileGrammarConstraint(constraint: Constraint, tokenizer: Tokenizer): TokenConstraint {
  let map = machineCache.get(tokenizer)
  if (!map) {
    map = new Map()
    machineCache.set(tokenizer, map)
  }
  let machine = map.get(constraint.cacheKey)
  if (!machine) {
    machine = createGrammarTokenMachine((constraint.grammar as () => CompiledGrammar)(), tokenizer)
    map.set(constraint.cacheKey, machine)
  }
  const found = machine
  const eos = new Set(tokenizer.eosTokenIds)
  const checkRemaining = (remaining: number | undefined): void => {
    if (remaining !== undefined) assertInteger('remainingTokens', remaining, 0)
  }
  const fail = (state: number, remaining: number | undefined): never => {
    const needed = found.distanceToAccept(state)
    throw new ConstraintError({
      pattern: constraint.pattern,
      message:
        remaining !== undefined && needed > remaining
          ? `The constraint ${constraint.pattern} needs at least ${needed} more tokens, but only ${remaining} remain (raise maxTokens).`
          : `No token is allowed by the constraint ${constraint.pattern} in state ${state}.`,
    })
  }
  if (
    !found.isAccepting(found.initialState) &&
    found.mask(found.initialState).tokens.length === 0
  ) {
    throw new ConstraintError({
      pattern: constraint.pattern,
      message: `No sequence of this tokenizer's tokens satisfies the constraint ${constraint.pattern}.`,
    })
  }
  return {
    constraint,
    initialState: found.initialState,
    maskLogits(state, logits, options = {}) {
      checkRemaining(options.remainingTokens)
      if (!found.maskLogits(state, logits, options.remainingTokens)) {
        fail(state, options.remainingTokens)
      }
    },
    allowedTokens(state, options = {}) {
      checkRemaining(options.remainingTokens)
      return found.allowedTokens(state, options.remainingTokens)
    },
    advance(state, token) {
      const next = found.advance(state, token)
      if (next < 0) {
        throw new ConstraintError({
          pattern: constraint.pattern,
          message: `Token ${token} is not allowed by the constraint ${constraint.pattern} in state ${state}.`,
        })
      }
      return next
    },
    isAccepting: (state) => found.isAccepting(state),
    isEos: (token) => eos.has(token),
    distanceToAccept: (state) => found.distanceToAccept(state),
  }
}
