import { describe, expect, it } from 'vitest'
import { createComputeReport, formatComputeReportMarkdown } from './compute-report.js'
import { renderScalingPlotSvg } from './render-scaling-plot.js'

const report = createComputeReport({
  model: 'tinymath-draft',
  data: 'tinymath-dev.jsonl',
  seed: 0,
  entries: [
    {
      strategy: 'greedy',
      label: 'greedy',
      accuracy: 0.4,
      n: 10,
      usage: { inputTokens: 500, outputTokens: 500, calls: 10, flops: 1e9 },
      seconds: 1,
    },
    {
      strategy: 'best-of-n',
      label: 'best-of-n n=1',
      budget: 1,
      accuracy: 0.3,
      n: 10,
      usage: { inputTokens: 500, outputTokens: 500, calls: 10, flops: 1e9 },
      seconds: 1,
    },
    {
      strategy: 'best-of-n',
      label: 'best-of-n n=4',
      budget: 4,
      accuracy: 0.6,
      n: 10,
      usage: { inputTokens: 500, outputTokens: 2000, calls: 10, flops: 4e9 },
      seconds: 2,
    },
    {
      strategy: 'best-of-n',
      label: 'best-of-n n=16',
      budget: 16,
      accuracy: 0.8,
      n: 10,
      usage: { inputTokens: 500, outputTokens: 8000, calls: 10, flops: 1.6e10 },
      seconds: 5,
    },
  ],
})

describe('compute report', () => {
  it('averages per problem', () => {
    expect(report.rows[2]).toMatchObject({
      tokensPerProblem: 250,
      outputTokensPerProblem: 200,
      callsPerProblem: 1,
      flopsPerProblem: 4e8,
    })
    expect(report.rows[0]?.costUsdPerProblem).toBeUndefined()
  })

  it('formats a Markdown table with a FLOPs column and no cost column', () => {
    const markdown = formatComputeReportMarkdown(report)
    const lines = markdown.trim().split('\n')
    expect(lines).toContain(
      '| strategy | setting | accuracy | tokens/problem | generated/problem | calls/problem | FLOPs/problem | seconds |',
    )
    expect(lines).toContain(
      '| best-of-n | best-of-n n=4 | 0.600 | 250.0 | 200.0 | 1.00 | 4.00e+8 | 2.0 |',
    )
    expect(markdown).not.toContain('USD')
  })

  it('draws one curve per strategy on a log axis, with a legend and axis labels', () => {
    const svg = renderScalingPlotSvg(report)
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg.match(/<polyline /g)).toHaveLength(1) // greedy is a single point
    expect(svg).toContain('>greedy</text>')
    expect(svg).toContain('>best-of-n</text>')
    expect(svg).toContain('tokens per problem (prompt + generated, log scale)')
    expect(svg).toContain('>accuracy</text>')
    // Log axis: the points at 100, 250 and 850 tokens are spaced by log ratio.
    const xs = [...svg.matchAll(/<polyline points="([^"]+)"/g)][0]?.[1]
      ?.split(' ')
      .map((point) => Number(point.split(',')[0]))
    expect(xs).toHaveLength(3)
    const [a = 0, b = 0, c = 0] = xs ?? []
    expect((b - a) / (c - b)).toBeCloseTo(Math.log(250 / 100) / Math.log(850 / 250), 2)
  })

  it('escapes text', () => {
    const svg = renderScalingPlotSvg({ ...report, model: '<m&m>' })
    expect(svg).toContain('&#60;m&#38;m&#62;')
  })
})
