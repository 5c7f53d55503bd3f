// Loading tinymath problem files (JSON lines).
import { readFile } from 'node:fs/promises'
import { InvalidArgumentError } from '@metagen/core'
import type { TinymathProblem } from './format.js'
import { tinymathDevSetPath } from './paths.js'

/**
 * Reads a JSON-lines problem file (fields id, question, answer; steps and n_ops optional).
 * Throws {@link InvalidArgumentError} naming the line of a malformed record.
 */
export async function loadProblems(path: string): Promise<TinymathProblem[]> {
  const text = await readFile(path, 'utf8')
  const problems: TinymathProblem[] = []
  const lines = text.split('\n')
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]?.trim()
    if (!line) continue
    let record: Partial<TinymathProblem>
    try {
      record = JSON.parse(line) as Partial<TinymathProblem>
    } catch (error) {
      throw new InvalidArgumentError({
        argument: `${path}:${index + 1}`,
        expected: 'a JSON object per line',
        received: line.slice(0, 60),
        cause: error,
      })
    }
    if (typeof record.question !== 'string' || record.answer === undefined) {
      throw new InvalidArgumentError({
        argument: `${path}:${index + 1}`,
        expected: 'an object with "question" and "answer"',
        received: line.slice(0, 60),
      })
    }
    problems.push({
      id: String(record.id ?? index),
      question: record.question,
      steps: record.steps ?? [],
      answer: Number(record.answer),
      n_ops: record.n_ops ?? record.steps?.length ?? 0,
    })
  }
  return problems
}

/** The 300 dev problems shipped with the package (60 per number of operations 1..5). */
export function loadDevSet(): Promise<TinymathProblem[]> {
  return loadProblems(tinymathDevSetPath)
}
