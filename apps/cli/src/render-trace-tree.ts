// Draws a trace tree in the terminal: one line per span, model call, scoring and search node,
// indented with box-drawing characters.
import type { TraceTreeNode } from '@metagen/orchestrator'

function clip(text: string, length: number): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > length ? `${flat.slice(0, length - 3)}...` : flat
}

function formatScore(value: unknown): string {
  return typeof value === 'number' ? value.toFixed(3) : 'n/a'
}

/** One line describing a node (without the tree prefix). */
export function describeTraceNode(node: TraceTreeNode): string {
  const usage = node.usage
    ? ` [${node.usage.inputTokens}+${node.usage.outputTokens} tokens, ${node.usage.calls} ${node.usage.calls === 1 ? 'call' : 'calls'}]`
    : ''
  const data = node.data
  switch (node.kind) {
    case 'span': {
      const output = data.output as { text?: string; answer?: string; score?: number } | undefined
      const answer = output?.answer !== undefined ? ` -> answer ${output.answer}` : ''
      const duration = node.duration !== undefined ? ` ${node.duration.toFixed(1)} ms` : ''
      const stopped = data.stoppedBy ? ` (stopped by ${String(data.stoppedBy)})` : ''
      return `${node.name}${duration}${usage}${answer}${stopped}`
    }
    case 'model-call': {
      const outputs = data.outputs as Array<{ text: string }> | undefined
      const shown =
        outputs === undefined
          ? ''
          : outputs.length === 1
            ? ` "${clip(outputs[0]?.text ?? '', 60)}"`
            : ` ${outputs.length} outputs`
      const n = data.n !== undefined ? ` n=${String(data.n)}` : ''
      return `call ${node.name}${n}${usage}${shown}`
    }
    case 'score': {
      const scores = (data.scores as Array<number | null> | undefined) ?? []
      const shown = scores.slice(0, 8).map(formatScore).join(', ')
      return `score ${node.name} [${shown}${scores.length > 8 ? ', ...' : ''}]${usage}`
    }
    case 'node': {
      const step =
        typeof data.step === 'string' && data.step !== '' ? ` "${clip(data.step, 50)}"` : ''
      const finished = data.finished ? ' (complete)' : ''
      return `${node.name}${step} score ${formatScore(data.score)}${finished}`
    }
    case 'note':
      return `note ${node.name} ${clip(JSON.stringify(data), 80)}`
  }
}

/** Renders the forest as text lines; `maxDepth` limits the depth drawn (default: all). */
export function renderTraceTree(
  roots: readonly TraceTreeNode[],
  options: { maxDepth?: number } = {},
): string {
  const lines: string[] = []
  const maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY
  const visit = (
    node: TraceTreeNode,
    prefix: string,
    last: boolean,
    depth: number,
    root: boolean,
  ) => {
    lines.push(`${prefix}${root ? '' : last ? '└─ ' : '├─ '}${describeTraceNode(node)}`)
    if (depth >= maxDepth) {
      if (node.children.length > 0)
        lines.push(
          `${prefix}${root ? '' : last ? '   ' : '│  '}└─ ... ${node.children.length} more`,
        )
      return
    }
    const childPrefix = root ? prefix : `${prefix}${last ? '   ' : '│  '}`
    node.children.forEach((child, index) => {
      visit(child, childPrefix, index === node.children.length - 1, depth + 1, false)
    })
  }
  for (const root of roots) visit(root, '', true, 0, true)
  return `${lines.join('\n')}\n`
}
