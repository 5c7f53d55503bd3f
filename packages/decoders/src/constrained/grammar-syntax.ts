// Text grammars parsed into the common Grammar form: GBNF (llama.cpp's EBNF dialect; also what
// `ebnf` means here) and a subset of Lark. Both end up as rules whose terminals are regexes.
import { InvalidArgumentError } from '@metagen/core'
import { escapeRegex } from './escape-regex.js'
import {
  choice,
  emptyExpression,
  type Grammar,
  type GrammarExpression,
  literal,
  repeat,
  ruleReference,
  sequence,
  terminal,
} from './grammar.js'

/** Grammar text syntaxes accepted by {@link parseGrammar}. */
export type GrammarSyntax = 'gbnf' | 'ebnf' | 'lark'

/**
 * Parses grammar text. `gbnf` / `ebnf`: llama.cpp GBNF — `name ::= expr` rules, start rule
 * `root`, string literals with escapes (`\n \t \r \\ \" \xHH \uHHHH \UHHHHHHHH`), character
 * classes `[a-z]` / `[^...]`, `.`, grouping, `| * + ?`, `{m}`, `{m,}`, `{m,n}`, `#` comments.
 * `lark`: rules `name: ...` (start rule `start`; `?`/`!` prefixes and `.priority` ignored),
 * terminals `NAME: ...` (inlined as regexes), `"literal"` (with `i` flag), `/regex/flags` (`i`,
 * `s`), `"a".."z"`, `[optional]`, `( )`, `| * + ?`, `~ n` / `~ n..m`, `%import common.X` for
 * the usual common terminals, and `%ignore` (the ignored terminals may appear between any two
 * symbols of a rule and around the start rule). Not supported in Lark: templates, `%declare`,
 * `%override`/`%extend`, `->` aliases (accepted and ignored), look-arounds in regexes.
 * Throws {@link InvalidArgumentError} with the line of the first syntax error.
 */
export function parseGrammar(
  source: string,
  options: { syntax?: GrammarSyntax; start?: string } = {},
): Grammar {
  const syntax = options.syntax ?? 'gbnf'
  if (typeof source !== 'string' || source.trim() === '') {
    throw new InvalidArgumentError({
      argument: 'grammar',
      expected: 'non-empty grammar text',
      received: source,
    })
  }
  if (syntax === 'gbnf' || syntax === 'ebnf') return parseGbnf(source, options.start ?? 'root')
  if (syntax === 'lark') return parseLark(source, options.start ?? 'start')
  throw new InvalidArgumentError({
    argument: 'syntax',
    expected: '"gbnf", "ebnf" or "lark"',
    received: syntax,
  })
}

class Cursor {
  position = 0
  constructor(
    readonly text: string,
    readonly syntax: string,
  ) {}
  get done(): boolean {
    return this.position >= this.text.length
  }
  peek(offset = 0): string {
    return this.text[this.position + offset] ?? ''
  }
  startsWith(token: string): boolean {
    return this.text.startsWith(token, this.position)
  }
  fail(expected: string): never {
    const line = this.text.slice(0, this.position).split('\n').length
    const near = this.text.slice(this.position, this.position + 30)
    throw new InvalidArgumentError({
      argument: 'grammar',
      expected: `${expected} (${this.syntax}, line ${line})`,
      received: near === '' ? 'end of grammar' : near,
    })
  }
  /** Skips spaces and comments; newlines too when `newlines`. */
  skip(newlines: boolean, comment: string): void {
    while (!this.done) {
      const character = this.peek()
      if (character === ' ' || character === '\t' || character === '\r') this.position++
      else if (character === '\n' && newlines) this.position++
      else if (this.startsWith(comment)) {
        while (!this.done && this.peek() !== '\n') this.position++
      } else break
    }
  }
}

/** Reads one escape after a backslash, returning the code point. */
function readEscape(cursor: Cursor): number {
  const character = cursor.peek()
  cursor.position++
  const simple: Record<string, number> = {
    n: 10,
    t: 9,
    r: 13,
    '0': 0,
    '\\': 92,
    '"': 34,
    "'": 39,
    '[': 91,
    ']': 93,
    '-': 45,
    '^': 94,
    '/': 47,
  }
  if (character in simple) return simple[character] as number
  const lengths: Record<string, number> = { x: 2, u: 4, U: 8 }
  const length = lengths[character]
  if (length !== undefined) {
    const digits = cursor.text.slice(cursor.position, cursor.position + length)
    if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== length)
      cursor.fail(`${length} hex digits after \\${character}`)
    cursor.position += length
    return Number.parseInt(digits, 16)
  }
  return character.codePointAt(0) ?? cursor.fail('an escape sequence')
}

function classCharacter(code: number): string {
  const character = String.fromCodePoint(code)
  if (/[\\\][^-]/.test(character)) return `\\${character}`
  if (code < 0x20 || code === 0x7f) return `\\u{${code.toString(16)}}`
  return character
}

function readString(cursor: Cursor, quote: string): string {
  cursor.position++ // opening quote
  let text = ''
  while (!cursor.done && cursor.peek() !== quote) {
    if (cursor.peek() === '\\') {
      cursor.position++
      text += String.fromCodePoint(readEscape(cursor))
    } else {
      text += String.fromCodePoint(cursor.text.codePointAt(cursor.position) as number)
      cursor.position +=
        text.length > 0 && (cursor.text.codePointAt(cursor.position) as number) > 0xffff ? 2 : 1
    }
  }
  if (cursor.peek() !== quote) cursor.fail(`a closing ${quote}`)
  cursor.position++
  return text
}

function readClass(cursor: Cursor): string {
  cursor.position++ // [
  let negated = false
  if (cursor.peek() === '^') {
    negated = true
    cursor.position++
  }
  let body = ''
  while (!cursor.done && cursor.peek() !== ']') {
    let code: number
    if (cursor.peek() === '\\') {
      cursor.position++
      code = readEscape(cursor)
    } else {
      code = cursor.text.codePointAt(cursor.position) as number
      cursor.position += code > 0xffff ? 2 : 1
    }
    body += classCharacter(code)
    if (cursor.peek() === '-' && cursor.peek(1) !== ']' && cursor.peek(1) !== '') {
      cursor.position++
      let end: number
      if (cursor.peek() === '\\') {
        cursor.position++
        end = readEscape(cursor)
      } else {
        end = cursor.text.codePointAt(cursor.position) as number
        cursor.position += end > 0xffff ? 2 : 1
      }
      body += `-${classCharacter(end)}`
    }
  }
  if (cursor.peek() !== ']') cursor.fail('a closing ] of the character class')
  cursor.position++
  return `[${negated ? '^' : ''}${body}]`
}

function readCount(cursor: Cursor): { min: number; max: number | undefined } {
  cursor.position++ // {
  const match = /^\s*(\d+)\s*(?:(,)\s*(\d*)\s*)?\}/.exec(cursor.text.slice(cursor.position))
  if (!match) cursor.fail('a repetition {m}, {m,} or {m,n}')
  cursor.position += match[0].length
  const min = Number(match[1])
  const max = match[2] === undefined ? min : match[3] === '' ? undefined : Number(match[3])
  if (max !== undefined && max < min) cursor.fail('a repetition with m <= n')
  return { min, max }
}

// ---- GBNF -------------------------------------------------------------------------------

function parseGbnf(source: string, start: string): Grammar {
  const cursor: Cursor = new Cursor(source, 'GBNF')
  const rules = new Map<string, GrammarExpression>()
  const ruleHead = /^([a-zA-Z_][a-zA-Z0-9_-]*)\s*::=/
  const atRuleHead = (): boolean => ruleHead.test(cursor.text.slice(cursor.position))

  const parseAlternatives = (nested: boolean): GrammarExpression => {
    const options: GrammarExpression[] = [parseSequence(nested)]
    while (cursor.peek() === '|') {
      cursor.position++
      options.push(parseSequence(nested))
    }
    return choice(...options)
  }
  const parseSequence = (nested: boolean): GrammarExpression => {
    const items: GrammarExpression[] = []
    for (;;) {
      cursor.skip(true, '#')
      if (cursor.done || cursor.peek() === '|' || cursor.peek() === ')') break
      if (!nested && atRuleHead()) break
      let item = parseAtom(nested)
      for (;;) {
        const next = cursor.peek()
        if (next === '*') item = repeat(item, 0)
        else if (next === '+') item = repeat(item, 1)
        else if (next === '?') item = repeat(item, 0, 1)
        else if (next === '{') {
          const { min, max } = readCount(cursor)
          item = repeat(item, min, max)
          continue
        } else break
        cursor.position++
      }
      items.push(item)
    }
    return sequence(...items)
  }
  const parseAtom = (nested: boolean): GrammarExpression => {
    const character = cursor.peek()
    if (character === '"') return literal(readString(cursor, '"'))
    if (character === '[') return terminal(readClass(cursor))
    if (character === '.') {
      cursor.position++
      return terminal('[^]')
    }
    if (character === '(') {
      cursor.position++
      const inner = parseAlternatives(true)
      cursor.skip(true, '#')
      if (cursor.peek() !== ')') cursor.fail('a closing )')
      cursor.position++
      return inner
    }
    const match = /^[a-zA-Z_][a-zA-Z0-9_-]*/.exec(cursor.text.slice(cursor.position))
    if (match) {
      cursor.position += match[0].length
      return ruleReference(match[0])
    }
    return cursor.fail(nested ? 'a symbol, literal, class or )' : 'a symbol, literal or class')
  }

  for (;;) {
    cursor.skip(true, '#')
    if (cursor.done) break
    const match = ruleHead.exec(cursor.text.slice(cursor.position))
    if (!match) cursor.fail('a rule `name ::= ...`')
    cursor.position += match[0].length
    const name = match[1] as string
    const body = parseAlternatives(false)
    const existing = rules.get(name)
    rules.set(name, existing ? choice(existing, body) : body)
  }
  return { start, rules }
}

// ---- Lark -------------------------------------------------------------------------------

const larkCommon: Readonly<Record<string, string>> = {
  DIGIT: '[0-9]',
  HEXDIGIT: '[a-fA-F0-9]',
  INT: '[0-9]+',
  SIGNED_INT: '[+\\-]?[0-9]+',
  DECIMAL: '[0-9]+\\.[0-9]*|\\.[0-9]+',
  _EXP: '[eE][+\\-]?[0-9]+',
  FLOAT: '[0-9]+[eE][+\\-]?[0-9]+|(?:[0-9]+\\.[0-9]*|\\.[0-9]+)(?:[eE][+\\-]?[0-9]+)?',
  SIGNED_FLOAT:
    '[+\\-]?(?:[0-9]+[eE][+\\-]?[0-9]+|(?:[0-9]+\\.[0-9]*|\\.[0-9]+)(?:[eE][+\\-]?[0-9]+)?)',
  NUMBER: '(?:[0-9]+[eE][+\\-]?[0-9]+|(?:[0-9]+\\.[0-9]*|\\.[0-9]+)(?:[eE][+\\-]?[0-9]+)?)|[0-9]+',
  SIGNED_NUMBER:
    '[+\\-]?(?:(?:[0-9]+[eE][+\\-]?[0-9]+|(?:[0-9]+\\.[0-9]*|\\.[0-9]+)(?:[eE][+\\-]?[0-9]+)?)|[0-9]+)',
  ESCAPED_STRING: '"(?:[^"\\\\\\n]|\\\\[^\\n])*"',
  LCASE_LETTER: '[a-z]',
  UCASE_LETTER: '[A-Z]',
  LETTER: '[a-zA-Z]',
  WORD: '[a-zA-Z]+',
  CNAME: '[a-zA-Z_][a-zA-Z0-9_]*',
  WS_INLINE: '[ \\t]+',
  WS: '[ \\t\\f\\r\\n]+',
  CR: '\\r',
  LF: '\\n',
  NEWLINE: '(?:\\r?\\n)+',
}

function parseLark(source: string, start: string): Grammar {
  const cursor: Cursor = new Cursor(source, 'Lark')
  const ruleBodies = new Map<string, GrammarExpression>()
  const terminalBodies = new Map<string, GrammarExpression>()
  const ignored: string[] = []
  const head = /^([?!]?)([a-zA-Z_][a-zA-Z0-9_]*)(?:\.-?\d+)?\s*:/

  const parseAlternatives = (): GrammarExpression => {
    const options: GrammarExpression[] = [parseSequence()]
    for (;;) {
      cursor.skip(true, '//')
      if (cursor.peek() !== '|') break
      cursor.position++
      options.push(parseSequence())
    }
    return choice(...options)
  }
  const parseSequence = (): GrammarExpression => {
    const items: GrammarExpression[] = []
    for (;;) {
      cursor.skip(false, '//')
      // A newline ends the sequence; parseAlternatives continues with a `|` on the next line.
      if (cursor.peek() === '\n') break
      if (cursor.done || cursor.peek() === '|' || cursor.peek() === ')' || cursor.peek() === ']')
        break
      if (cursor.startsWith('->')) {
        cursor.position += 2
        cursor.skip(false, '//')
        const alias = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(cursor.text.slice(cursor.position))
        if (!alias) cursor.fail('an alias name after ->')
        cursor.position += alias[0].length
        continue
      }
      let item = parseAtom()
      for (;;) {
        const next = cursor.peek()
        if (next === '*') item = repeat(item, 0)
        else if (next === '+') item = repeat(item, 1)
        else if (next === '?') item = repeat(item, 0, 1)
        else if (
          next === '~' ||
          (next === ' ' && cursor.text.slice(cursor.position).match(/^\s+~/))
        ) {
          cursor.skip(false, '//')
          cursor.position++ // ~
          cursor.skip(false, '//')
          const match = /^(\d+)(?:\.\.(\d+))?/.exec(cursor.text.slice(cursor.position))
          if (!match) cursor.fail('a count after ~')
          cursor.position += match[0].length
          const min = Number(match[1])
          item = repeat(item, min, match[2] === undefined ? min : Number(match[2]))
          continue
        } else break
        cursor.position++
      }
      items.push(item)
    }
    return sequence(...items)
  }
  const parseAtom = (): GrammarExpression => {
    const character = cursor.peek()
    if (character === '"') {
      const text = readString(cursor, '"')
      let insensitive = false
      if (cursor.peek() === 'i' && !/[a-zA-Z0-9_]/.test(cursor.peek(1))) {
        insensitive = true
        cursor.position++
      }
      cursor.skip(false, '//')
      if (cursor.startsWith('..')) {
        cursor.position += 2
        cursor.skip(false, '//')
        if (cursor.peek() !== '"') cursor.fail('a string after ..')
        const end = readString(cursor, '"')
        return terminal(
          `[${classCharacter(text.codePointAt(0) ?? 0)}-${classCharacter(end.codePointAt(0) ?? 0)}]`,
        )
      }
      return insensitive ? terminal(caseInsensitive(text)) : literal(text)
    }
    if (character === '/') {
      cursor.position++
      let body = ''
      while (!cursor.done && cursor.peek() !== '/') {
        if (cursor.peek() === '\\') {
          body += cursor.text.slice(cursor.position, cursor.position + 2)
          cursor.position += 2
        } else {
          body += cursor.peek()
          cursor.position++
        }
      }
      if (cursor.peek() !== '/') cursor.fail('a closing / of the regex')
      cursor.position++
      let flags = ''
      while (/[imsxlu]/.test(cursor.peek()) && cursor.peek() !== '') {
        flags += cursor.peek()
        cursor.position++
      }
      if (/[imxl]/.test(flags))
        cursor.fail('regex flags s and u only (write case-insensitive classes out)')
      let pattern = body.replace(/\\\//g, '/')
      if (flags.includes('s')) pattern = pattern.replace(/(^|[^\\])\./g, '$1[^]')
      return terminal(pattern)
    }
    if (character === '(' || character === '[') {
      cursor.position++
      const inner = parseAlternatives()
      cursor.skip(true, '//')
      const close = character === '(' ? ')' : ']'
      if (cursor.peek() !== close) cursor.fail(`a closing ${close}`)
      cursor.position++
      return character === '[' ? repeat(inner, 0, 1) : inner
    }
    const match = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(cursor.text.slice(cursor.position))
    if (match) {
      cursor.position += match[0].length
      return ruleReference(match[0])
    }
    return cursor.fail('a symbol, "literal", /regex/, ( ) or [ ]')
  }

  for (;;) {
    cursor.skip(true, '//')
    if (cursor.done) break
    if (cursor.peek() === '%') {
      const line = cursor.text.slice(cursor.position).split('\n')[0] as string
      cursor.position += line.length
      const importMatch =
        /^%import\s+common\.(?:\(([^)]*)\)|([A-Z_][A-Z0-9_]*))(?:\s*->\s*([A-Z_][A-Z0-9_]*))?\s*$/.exec(
          line.trim(),
        )
      const ignoreMatch = /^%ignore\s+(.+)$/.exec(line.trim())
      if (importMatch) {
        const names = importMatch[1]
          ? importMatch[1].split(',').map((name) => name.trim())
          : [importMatch[2] as string]
        for (const name of names) {
          const pattern = larkCommon[name]
          if (pattern === undefined)
            cursor.fail(`a known common terminal (${Object.keys(larkCommon).join(', ')})`)
          terminalBodies.set(importMatch[3] ?? name, terminal(pattern))
        }
      } else if (ignoreMatch) {
        const target = (ignoreMatch[1] as string).trim()
        if (target.startsWith('"') || target.startsWith('/')) {
          const sub = new Cursor(target, 'Lark')
          const name = `__ignore${ignored.length}`
          terminalBodies.set(name, parseAtomFrom(sub))
          ignored.push(name)
        } else ignored.push(target)
      } else {
        cursor.fail('%import common.NAME or %ignore (other directives are not supported)')
      }
      continue
    }
    const match = head.exec(cursor.text.slice(cursor.position))
    if (!match) cursor.fail('a definition `name: ...` or `NAME: ...`')
    cursor.position += match[0].length
    const name = match[2] as string
    const body = parseAlternatives()
    const isTerminal = name === name.toUpperCase() && /[A-Z]/.test(name)
    const target = isTerminal ? terminalBodies : ruleBodies
    const existing = target.get(name)
    target.set(name, existing ? choice(existing, body) : body)
  }

  function parseAtomFrom(sub: Cursor): GrammarExpression {
    const saved = cursor.position
    const text = cursor.text
    ;(cursor as { text: string }).text = sub.text
    cursor.position = 0
    try {
      return parseAtom()
    } finally {
      ;(cursor as { text: string }).text = text
      cursor.position = saved
    }
  }

  // Terminals are inlined (they are regular); rules reference each other.
  const inlineTerminals = (expression: GrammarExpression, seen: Set<string>): GrammarExpression => {
    switch (expression.type) {
      case 'rule': {
        const body = terminalBodies.get(expression.name)
        if (body === undefined) return expression
        if (seen.has(expression.name)) {
          throw new InvalidArgumentError({
            argument: 'grammar',
            expected: 'terminals that do not refer to themselves (Lark terminals are regular)',
            received: expression.name,
          })
        }
        return inlineTerminals(body, new Set([...seen, expression.name]))
      }
      case 'sequence':
        return sequence(...expression.items.map((item) => inlineTerminals(item, seen)))
      case 'choice':
        return choice(...expression.items.map((item) => inlineTerminals(item, seen)))
      case 'repeat':
        return { ...expression, item: inlineTerminals(expression.item, seen) }
      default:
        return expression
    }
  }
  const ignore =
    ignored.length > 0
      ? repeat(choice(...ignored.map((name) => inlineTerminals(ruleReference(name), new Set()))), 0)
      : undefined
  const withIgnored = (expression: GrammarExpression): GrammarExpression => {
    if (!ignore) return expression
    switch (expression.type) {
      case 'sequence':
        return sequence(
          ...expression.items.flatMap((item, index) =>
            index === 0 ? [withIgnored(item)] : [ignore, withIgnored(item)],
          ),
        )
      case 'choice':
        return choice(...expression.items.map(withIgnored))
      case 'repeat':
        return { ...expression, item: sequence(withIgnored(expression.item), ignore) }
      default:
        return expression
    }
  }
  const rules = new Map<string, GrammarExpression>()
  for (const [name, body] of ruleBodies) {
    rules.set(name, withIgnored(inlineTerminals(body, new Set())))
  }
  if (!ruleBodies.has(start) && terminalBodies.has(start)) {
    rules.set(start, inlineTerminals(ruleReference(start), new Set()))
  }
  const startRule = ignore ? `${start}__ignored` : start
  if (ignore) rules.set(startRule, sequence(ignore, ruleReference(start), ignore))
  return { start: startRule, rules: rules.size > 0 ? rules : new Map([[start, emptyExpression]]) }
}

function caseInsensitive(text: string): string {
  let result = ''
  for (const character of text) {
    const lower = character.toLowerCase()
    const upper = character.toUpperCase()
    result +=
      lower === upper ? escapeRegex(character) : `[${escapeRegex(lower)}${escapeRegex(upper)}]`
  }
  return result
}
