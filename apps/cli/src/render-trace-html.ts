// A trace as a standalone HTML page: the tree of spans, model calls, scorings and search nodes
// as nested <details> elements that expand on click, each with its data, no external files.
import type { TraceTreeNode } from '@metagen/orchestrator'
import { describeTraceNode } from './render-trace-tree.js'

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`)
}

function scoreBar(node: TraceTreeNode): string {
  const score = node.data.score
  if (node.kind !== 'node' || typeof score !== 'number' || score < 0 || score > 1) return ''
  return `<span class="bar" title="score ${score.toFixed(3)}"><span style="width:${(score * 100).toFixed(0)}%"></span></span>`
}

function renderNode(node: TraceTreeNode, depth: number, openDepth: number): string {
  const children = node.children.map((child) => renderNode(child, depth + 1, openDepth)).join('')
  const data =
    Object.keys(node.data).length > 0
      ? `<details class="data"><summary>data</summary><pre>${escapeHtml(JSON.stringify(node.data, null, 2))}</pre></details>`
      : ''
  const count =
    node.children.length > 0 ? ` <span class="count">${node.children.length}</span>` : ''
  const complete = node.kind === 'node' && node.data.finished ? ' complete' : ''
  return `<li><details class="trace-node ${node.kind}${complete}" data-id="${escapeHtml(node.id)}"${depth < openDepth ? ' open' : ''}><summary><span class="kind">${node.kind}</span> ${scoreBar(node)}${escapeHtml(describeTraceNode(node))}${count}</summary>${data}${children ? `<ul>${children}</ul>` : ''}</details></li>`
}

/**
 * Renders a trace forest as an HTML document. Nodes deeper than `openDepth` (default 2) start
 * collapsed; clicking a node's line expands it. Buttons expand or collapse everything.
 */
export function renderTraceHtml(
  roots: readonly TraceTreeNode[],
  options: { title?: string; openDepth?: number } = {},
): string {
  const title = options.title ?? 'metagen trace'
  const openDepth = options.openDepth ?? 2
  let count = 0
  const countNodes = (node: TraceTreeNode) => {
    count++
    node.children.forEach(countNodes)
  }
  roots.forEach(countNodes)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 18px; margin: 0 0 4px; }
.meta { color: #666; margin-bottom: 12px; }
ul { list-style: none; margin: 0; padding-left: 22px; border-left: 1px dotted #bbb; }
#tree > ul { padding-left: 0; border-left: none; }
summary { cursor: pointer; padding: 2px 4px; border-radius: 4px; font-family: ui-monospace, monospace; font-size: 13px; white-space: nowrap; }
details.trace-node > summary:hover { background: #f0f4ff; }
.kind { display: inline-block; min-width: 78px; font-size: 11px; text-transform: uppercase; color: #fff; border-radius: 3px; padding: 0 4px; margin-right: 6px; text-align: center; }
.span > summary .kind { background: #0072B2; }
.model-call > summary .kind { background: #009E73; }
.score > summary .kind { background: #CC79A7; }
.node > summary .kind { background: #E69F00; }
.note > summary .kind { background: #777; }
.complete > summary { font-weight: bold; }
.count { color: #888; font-size: 11px; }
.bar { display: inline-block; width: 60px; height: 8px; background: #eee; margin-right: 6px; vertical-align: middle; }
.bar > span { display: block; height: 100%; background: #E69F00; }
details.data > summary { font-size: 11px; color: #777; margin-left: 22px; }
details.data > pre { background: #fafafa; border: 1px solid #eee; padding: 6px; margin: 4px 0 6px 22px; max-height: 240px; overflow: auto; font-size: 12px; }
button { margin-right: 8px; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<div class="meta">${count} nodes. Click a line to expand or collapse it.</div>
<div><button id="expand-all" type="button">Expand all</button><button id="collapse-all" type="button">Collapse all</button></div>
<div id="tree"><ul>${roots.map((root) => renderNode(root, 0, openDepth)).join('')}</ul></div>
<script>
document.getElementById('expand-all').addEventListener('click', function () {
  document.querySelectorAll('details.trace-node').forEach(function (element) { element.open = true })
})
document.getElementById('collapse-all').addEventListener('click', function () {
  document.querySelectorAll('details').forEach(function (element) { element.open = false })
})
</script>
</body>
</html>
`
}
