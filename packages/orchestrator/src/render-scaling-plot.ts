// The accuracy-vs-compute plot as a standalone SVG: one curve per strategy, tokens per problem
// on a logarithmic x axis, accuracy on the y axis, with a legend and labelled points.
import type { ComputeReport, ComputeReportRow } from './compute-report.js'

/** Options of {@link renderScalingPlotSvg}. */
export interface ScalingPlotOptions {
  /** Width in pixels (default 760). */
  width?: number
  /** Height in pixels (default 480). */
  height?: number
  /** Title (default: `Accuracy vs compute: <model> on <data>`). */
  title?: string
  /** The x quantity (default `tokens`: prompt + generated tokens per problem). */
  x?: 'tokens' | 'outputTokens' | 'flops'
}

/** Colour-blind-safe palette (Okabe and Ito), one colour per strategy in order. */
const palette = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
  '#F0E442',
]
const markers = ['circle', 'square', 'diamond', 'triangle'] as const

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (character) => `&#${character.charCodeAt(0)};`)
}

function xValue(row: ComputeReportRow, x: ScalingPlotOptions['x']): number {
  if (x === 'outputTokens') return row.outputTokensPerProblem
  if (x === 'flops') return row.flopsPerProblem ?? 0
  return row.tokensPerProblem
}

/** Tick values 1, 2, 5 x 10^k covering [min, max] (fewer when the range spans many decades). */
function logTicks(min: number, max: number): number[] {
  const ticks: number[] = []
  const decades = Math.log10(max) - Math.log10(min)
  const steps = decades > 3 ? [1] : decades > 1.5 ? [1, 3] : [1, 2, 5]
  for (let power = Math.floor(Math.log10(min)); power <= Math.ceil(Math.log10(max)); power++) {
    for (const step of steps) {
      const value = step * 10 ** power
      if (value >= min * 0.999 && value <= max * 1.001) ticks.push(value)
    }
  }
  return ticks
}

function formatTick(value: number): string {
  if (value >= 1e6) return value.toExponential(0).replace('e+', 'e')
  if (value >= 1000) return `${Number((value / 1000).toPrecision(3))}k`
  return String(Number(value.toPrecision(3)))
}

function marker(shape: (typeof markers)[number], x: number, y: number, color: string): string {
  const r = 4.5
  switch (shape) {
    case 'circle':
      return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r}" fill="${color}"/>`
    case 'square':
      return `<rect x="${(x - r).toFixed(1)}" y="${(y - r).toFixed(1)}" width="${2 * r}" height="${2 * r}" fill="${color}"/>`
    case 'diamond':
      return `<path d="M${x.toFixed(1)} ${(y - r - 1).toFixed(1)}l${r + 1} ${r + 1}l${-(r + 1)} ${r + 1}l${-(r + 1)} ${-(r + 1)}z" fill="${color}"/>`
    case 'triangle':
      return `<path d="M${x.toFixed(1)} ${(y - r - 1).toFixed(1)}l${r + 1} ${2 * r}h${-2 * (r + 1)}z" fill="${color}"/>`
  }
}

/**
 * Renders the report as an SVG document. Rows of the same strategy form one curve, ordered by
 * x; each point is labelled with its setting's budget (e.g. `8`). Rows with a non-positive x
 * value are left out (a log axis cannot show them).
 */
export function renderScalingPlotSvg(
  report: ComputeReport,
  options: ScalingPlotOptions = {},
): string {
  const width = options.width ?? 760
  const height = options.height ?? 480
  const xKind = options.x ?? 'tokens'
  const margin = { left: 70, right: 200, top: 50, bottom: 60 }
  const plotWidth = width - margin.left - margin.right
  const plotHeight = height - margin.top - margin.bottom
  const rows = report.rows.filter((row) => xValue(row, xKind) > 0)
  const strategies = [...new Set(rows.map((row) => row.strategy))]
  const xs = rows.map((row) => xValue(row, xKind))
  let xMin = xs.length > 0 ? Math.min(...xs) : 1
  let xMax = xs.length > 0 ? Math.max(...xs) : 10
  if (xMax / xMin < 10) {
    const centre = Math.sqrt(xMin * xMax)
    xMin = centre / Math.sqrt(10)
    xMax = centre * Math.sqrt(10)
  }
  xMin /= 1.25
  xMax *= 1.25
  const scaleX = (value: number) =>
    margin.left +
    ((Math.log10(value) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) * plotWidth
  const scaleY = (value: number) => margin.top + (1 - value) * plotHeight
  const xLabel =
    xKind === 'tokens'
      ? 'tokens per problem (prompt + generated, log scale)'
      : xKind === 'outputTokens'
        ? 'generated tokens per problem (log scale)'
        : 'estimated FLOPs per problem (log scale)'
  const title = options.title ?? `Accuracy vs compute: ${report.model} on ${report.data}`
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12" role="img" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${margin.left + plotWidth / 2}" y="28" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ]
  // Grid and ticks.
  for (let step = 0; step <= 10; step++) {
    const value = step / 10
    const y = scaleY(value)
    parts.push(
      `<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="${step % 5 === 0 ? '#cccccc' : '#eeeeee'}"/>`,
      `<text x="${margin.left - 8}" y="${(y + 4).toFixed(1)}" text-anchor="end" fill="#333">${value.toFixed(1)}</text>`,
    )
  }
  for (const tick of logTicks(xMin, xMax)) {
    const x = scaleX(tick)
    parts.push(
      `<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${margin.top}" y2="${margin.top + plotHeight}" stroke="#eeeeee"/>`,
      `<text x="${x.toFixed(1)}" y="${margin.top + plotHeight + 18}" text-anchor="middle" fill="#333">${formatTick(tick)}</text>`,
    )
  }
  parts.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#444"/>`,
    `<text x="${margin.left + plotWidth / 2}" y="${height - 16}" text-anchor="middle" font-size="13">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(20 ${margin.top + plotHeight / 2}) rotate(-90)" text-anchor="middle" font-size="13">accuracy</text>`,
  )
  // Curves.
  strategies.forEach((strategy, index) => {
    const color = palette[index % palette.length] as string
    const shape = markers[index % markers.length] as (typeof markers)[number]
    const points = rows
      .filter((row) => row.strategy === strategy)
      .sort((left, right) => xValue(left, xKind) - xValue(right, xKind))
    if (points.length > 1) {
      const path = points
        .map((row) => `${scaleX(xValue(row, xKind)).toFixed(1)},${scaleY(row.accuracy).toFixed(1)}`)
        .join(' ')
      parts.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"/>`)
    }
    for (const row of points) {
      const x = scaleX(xValue(row, xKind))
      const y = scaleY(row.accuracy)
      parts.push(
        `<g><title>${escapeXml(`${row.label}: accuracy ${row.accuracy.toFixed(3)}, ${row.tokensPerProblem.toFixed(0)} tokens/problem`)}</title>${marker(shape, x, y, color)}</g>`,
      )
      if (row.budget !== undefined && points.length > 1) {
        parts.push(
          `<text x="${(x + 6).toFixed(1)}" y="${(y - 7).toFixed(1)}" font-size="10" fill="${color}">${row.budget}</text>`,
        )
      }
    }
    // Legend entry.
    const legendX = margin.left + plotWidth + 18
    const legendY = margin.top + 10 + index * 22
    parts.push(
      `<line x1="${legendX}" x2="${legendX + 26}" y1="${legendY}" y2="${legendY}" stroke="${color}" stroke-width="2"/>`,
      marker(shape, legendX + 13, legendY, color),
      `<text x="${legendX + 34}" y="${legendY + 4}">${escapeXml(strategy)}</text>`,
    )
  })
  const legendNoteY = margin.top + 10 + strategies.length * 22 + 8
  parts.push(
    `<text x="${margin.left + plotWidth + 18}" y="${legendNoteY}" font-size="10" fill="#555">point labels: budget N</text>`,
    `<text x="${margin.left + plotWidth + 18}" y="${legendNoteY + 14}" font-size="10" fill="#555">${rows[0]?.n ?? 0} problems, seed ${report.seed}</text>`,
    '</svg>',
  )
  return `${parts.join('\n')}\n`
}
