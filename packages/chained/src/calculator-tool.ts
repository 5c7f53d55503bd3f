// A calculator tool for integer arithmetic written as `a op b=`: the trigger `=` stops
// generation, the tool computes the true value and it is spliced in after the `=`.
import { InvalidArgumentError, parseOption } from '@metagen/core'
import { chainedOptionSchemas } from './option-schemas.js'
import type { Tool, ToolMatch } from './tool.js'

/** Options of {@link calculatorTool}. */
export interface CalculatorToolOptions {
  /**
   * How `/` rounds: `floor` (Python's `//`, as in the tinymath training data, default) or
   * `trunc` (toward zero, as C and JavaScript integer casts).
   */
  division?: 'floor' | 'trunc'
}

const expressionPattern = /(-?\d+)\s*([+\-*/])\s*(-?\d+)\s*$/

/**
 * Evaluates `a op b` on integers (op one of `+ - * /`) with exact BigInt arithmetic.
 * Returns undefined for division by zero. `division` picks the rounding of `/`.
 */
export function evaluateArithmetic(
  left: bigint,
  operator: string,
  right: bigint,
  division: 'floor' | 'trunc' = 'floor',
): bigint | undefined {
  switch (operator) {
    case '+':
      return left + right
    case '-':
      return left - right
    case '*':
      return left * right
    case '/': {
      if (right === 0n) return undefined
      const quotient = left / right // BigInt division truncates toward zero
      if (division === 'floor' && left % right !== 0n && left < 0n !== right < 0n) {
        return quotient - 1n
      }
      return quotient
    }
    default:
      throw new InvalidArgumentError({
        argument: 'operator',
        expected: 'one of + - * /',
        received: operator,
      })
  }
}

/**
 * The calculator tool: matches an integer expression `a op b` at the end of the text generated
 * before `=` and returns its value. Division by zero is no match (the model continues itself).
 */
export function calculatorTool(options: CalculatorToolOptions = {}): Tool {
  const division = parseOption(
    'options.division',
    chainedOptionSchemas.division,
    options.division ?? 'floor',
  )
  return {
    name: 'calculator',
    trigger: '=',
    match(text): ToolMatch | undefined {
      const found = expressionPattern.exec(text)
      if (!found) return undefined
      const [expression, left, operator, right] = found as unknown as [
        string,
        string,
        string,
        string,
      ]
      // A `-` glued to a preceding digit is the operator of an earlier expression, not a sign.
      const start = found.index
      if (left.startsWith('-') && start > 0 && /\d/.test(text[start - 1] ?? '')) return undefined
      const value = evaluateArithmetic(BigInt(left), operator, BigInt(right), division)
      if (value === undefined) return undefined
      return { input: expression.trim(), result: value.toString() }
    },
  }
}
