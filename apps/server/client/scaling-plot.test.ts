import { describe, expect, it } from 'vitest'
import { parseEventChunk } from './api-client.js'
import { budgetFraction, formatCount, formatFlops, formatSeconds, formatUsd } from './format.js'
import { answersMatch, layoutScalingPlot } from './scaling-plot.js'

describe('the scaling plot', () => {
  it('puts tokens on a log2 axis between powers of two and accuracy from bottom to top', () => {
    const layout = layoutScalingPlot(
      [
        { strategy: 'a', label: 'n=1', tokens: 32, accuracy: 0.5, problems: 4 },
        { strategy: 'a', label: 'n=4', tokens: 128, accuracy: 1, problems: 4 },
      ],
      460,
      248,
    )
    expect(layout.area).toEqual({ left: 48, top: 12, right: 448, bottom: 212 })
    expect(layout.points.map((point) => [point.x, point.y])).toEqual([
      [48, 112],
      [448, 12],
    ])
    expect(layout.xTicks.map((tick) => tick.value)).toEqual([32, 64, 128])
    expect(layout.yTicks.map((tick) => tick.y)).toEqual([212, 162, 112, 62, 12])
  })

  it('compares answers ignoring whitespace and thousands separators', () => {
    expect(answersMatch(' 1,200', '1200')).toBe(true)
    expect(answersMatch('12', '120')).toBe(false)
    expect(answersMatch(undefined, '1')).toBe(false)
  })
})

describe('the event-stream parser and formats', () => {
  it('splits server-sent events across chunk boundaries', () => {
    const first = parseEventChunk('', 'data: {"a":1}\n\ndata: {"b"')
    expect(first).toEqual({ data: ['{"a":1}'], rest: 'data: {"b"' })
    const second = parseEventChunk(first.rest, ':2}\r\n\r\ndata: [DONE]\n\n')
    expect(second).toEqual({ data: ['{"b":2}', '[DONE]'], rest: '' })
  })

  it('formats counters', () => {
    expect(formatCount(12345)).toBe('12\u202f345')
    expect(formatFlops(1.71e9)).toBe('1.71 GFLOP')
    expect(formatFlops(999)).toBe('999 FLOP')
    expect(formatUsd(0.004567)).toBe('$0.00457')
    expect(formatUsd(1.5)).toBe('$1.50')
    expect(formatSeconds(0.4234)).toBe('0.42 s')
    expect(formatSeconds(undefined)).toBe('-')
    expect(budgetFraction(50, 200)).toBe(0.25)
    expect(budgetFraction(5, undefined)).toBe(0)
  })
})
