// A seeded TypeScript port of `assets/training/mathgen.py`: word problems of the distribution
// the tinymath models were trained on. Same distribution, not the same random stream as Python.
import { assertInteger, createRng, InvalidArgumentError, type Rng } from '@metagen/core'
import type { TinymathProblem } from './format.js'

const names: ReadonlyArray<readonly [string, string]> = [
  ['Ava', 'She'],
  ['Ben', 'He'],
  ['Cleo', 'She'],
  ['Dan', 'He'],
  ['Eli', 'He'],
  ['Fay', 'She'],
  ['Gus', 'He'],
  ['Hana', 'She'],
  ['Ivan', 'He'],
  ['June', 'She'],
  ['Kofi', 'He'],
  ['Lena', 'She'],
  ['Milo', 'He'],
  ['Nora', 'She'],
  ['Omar', 'He'],
  ['Pia', 'She'],
  ['Raj', 'He'],
  ['Sara', 'She'],
  ['Tom', 'He'],
  ['Uma', 'She'],
  ['Vic', 'He'],
  ['Wen', 'She'],
  ['Yara', 'She'],
  ['Zane', 'He'],
]
const items = [
  'apples',
  'marbles',
  'stickers',
  'books',
  'coins',
  'shells',
  'pencils',
  'cookies',
  'stamps',
  'cards',
  'beads',
  'eggs',
  'plums',
  'rocks',
  'toys',
  'pears',
  'buttons',
  'candles',
]
const containers = ['bags', 'boxes', 'jars', 'packs', 'baskets', 'crates']
const timesWords: Record<number, string> = {
  2: 'twice',
  3: 'three times',
  4: 'four times',
  5: 'five times',
  6: 'six times',
  7: 'seven times',
  8: 'eight times',
  9: 'nine times',
}

function choice<T>(rng: Rng, values: readonly T[]): T {
  return values[rng.nextInt(values.length)] as T
}

/** Uniform integer in [low, high], both inclusive (Python's randint). */
function randint(rng: Rng, low: number, high: number): number {
  return low + rng.nextInt(high - low + 1)
}

/** One step `a op b=c` and its result; division is integer division as in the training data. */
export function applyOperation(
  a: number,
  operator: string,
  b: number,
): { step: string; result: number } {
  const result =
    operator === '+'
      ? a + b
      : operator === '-'
        ? a - b
        : operator === '*'
          ? a * b
          : Math.floor(a / b)
  return { step: `${a}${operator}${b}=${result}`, result }
}

/**
 * One random problem. `operations` (1..9) fixes the number of operations; by default it is drawn
 * like the training data (1, 1, 2, 2, 3, 3, 4, 5).
 */
export function generateProblem(
  rng: Rng,
  options: { operations?: number; id?: string } = {},
): TinymathProblem {
  if (options.operations !== undefined) {
    assertInteger('operations', options.operations, 1)
    if (options.operations > 9) {
      throw new InvalidArgumentError({
        argument: 'operations',
        expected: 'an integer in [1, 9]',
        received: options.operations,
      })
    }
  }
  const [name, pronoun] = choice(rng, names)
  const other = choice(
    rng,
    names.map(([candidate]) => candidate).filter((candidate) => candidate !== name),
  )
  const item = choice(rng, items)
  const operations = options.operations ?? choice(rng, [1, 1, 2, 2, 3, 3, 4, 5])
  let count = randint(rng, 10, 199)
  const sentences = [`${name} has ${count} ${item}.`]
  const steps: string[] = []
  const push = (a: number, operator: string, b: number): number => {
    const { step, result } = applyOperation(a, operator, b)
    steps.push(step)
    return result
  }
  for (let index = 0; index < operations; index++) {
    const kinds = ['add', 'sub', 'group', 'mul']
    if (count >= 4) kinds.push('div')
    let kind = choice(rng, kinds)
    if (kind === 'sub' && count < 2) kind = 'add'
    if ((kind === 'add' || kind === 'group' || kind === 'mul') && count > 5000) kind = 'sub'
    if (kind === 'add') {
      const x = randint(rng, 10, 299)
      sentences.push(
        choice(rng, [
          `${pronoun} finds ${x} more ${item}.`,
          `${pronoun} buys ${x} more ${item}.`,
          `${other} gives ${name} ${x} ${item}.`,
        ]),
      )
      count = push(count, '+', x)
    } else if (kind === 'sub') {
      const x = randint(rng, 1, count - 1)
      sentences.push(
        choice(rng, [
          `${pronoun} gives ${x} ${item} to ${other}.`,
          `${pronoun} loses ${x} ${item}.`,
          `${pronoun} uses ${x} ${item}.`,
        ]),
      )
      count = push(count, '-', x)
    } else if (kind === 'group') {
      const container = choice(rng, containers)
      const x = rng.next() < 0.7 ? randint(rng, 2, 9) : randint(rng, 11, 39)
      const y = randint(rng, 11, 99)
      sentences.push(`${pronoun} buys ${x} ${container} with ${y} ${item} each.`)
      const total = push(x, '*', y)
      count = push(count, '+', total)
    } else if (kind === 'mul') {
      const k = randint(rng, 2, 9)
      sentences.push(`Then ${pronoun.toLowerCase()} ends up with ${timesWords[k]} as many ${item}.`)
      count = push(count, '*', k)
    } else {
      const divisors = [2, 3, 4, 5, 6, 7, 8, 9].filter((k) => count % k === 0)
      if (divisors.length === 0) {
        const x = randint(rng, 1, count - 1)
        sentences.push(`${pronoun} loses ${x} ${item}.`)
        count = push(count, '-', x)
      } else {
        const k = choice(rng, divisors)
        sentences.push(`${pronoun} splits the ${item} into ${k} equal groups and keeps one group.`)
        count = push(count, '/', k)
      }
    }
  }
  sentences.push(`How many ${item} does ${name} have now?`)
  return {
    id: options.id ?? '',
    question: sentences.join(' '),
    steps,
    answer: count,
    n_ops: operations,
  }
}

/**
 * `count` distinct problems from `seed`, balanced over 1..5 operations like the dev set
 * (problem i has 1 + i % 5 operations); ids are `{seed}-{i}`.
 */
export function generateProblems(seed: number, count: number): TinymathProblem[] {
  assertInteger('count', count, 1)
  const rng = createRng(seed)
  const problems: TinymathProblem[] = []
  const seen = new Set<string>()
  while (problems.length < count) {
    const problem = generateProblem(rng, {
      operations: 1 + (problems.length % 5),
      id: `${seed}-${problems.length}`,
    })
    if (seen.has(problem.question)) continue
    seen.add(problem.question)
    problems.push(problem)
  }
  return problems
}
