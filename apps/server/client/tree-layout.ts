// Placing a search tree on a canvas: identical sibling steps merged into one node (their
// multiplicity summed), depth downwards, leaves left to right in visiting order, each parent
// centred over its children, node radius growing with the square root of visits or
// multiplicity. Pure functions over the view model: no DOM.
import type { RunView, SearchNode } from './trace-model.js'

/** A node to draw: one search node, or several identical siblings merged. */
export interface DisplayNode {
  /** The id of the first merged search node (stable while the run grows). */
  id: string
  /** Ids of every search node merged into this one. */
  members: string[]
  parentId?: string
  children: DisplayNode[]
  depth: number
  step: string
  text: string
  score: number | null
  /** Sum of the members' multiplicities. */
  multiplicity: number
  /** Sum of the members' visits. */
  visits: number
  finished: boolean
  pruned: boolean
  chosen: boolean
}

/**
 * The forest to draw. With `merge` (default true) siblings with the same step text and the same
 * finished state become one node: multiplicities and visits add up, the score is the highest,
 * it is chosen if any member is and pruned only if every member is; their children are merged
 * in turn.
 */
export function buildDisplayForest(
  view: Pick<RunView, 'nodes' | 'roots'>,
  options: { merge?: boolean } = {},
): DisplayNode[] {
  const merge = options.merge ?? true
  const convert = (ids: readonly string[], parentId: string | undefined): DisplayNode[] => {
    const groups: SearchNode[][] = []
    const byKey = new Map<string, SearchNode[]>()
    for (const id of ids) {
      const node = view.nodes.get(id)
      if (!node) continue
      const key = `${node.finished ? 1 : 0}\u0000${node.step}`
      const group = merge ? byKey.get(key) : undefined
      if (group) group.push(node)
      else {
        const created = [node]
        groups.push(created)
        if (merge) byKey.set(key, created)
      }
    }
    return groups.map((members) => {
      const first = members[0] as SearchNode
      const display: DisplayNode = {
        id: first.id,
        members: members.map((member) => member.id),
        ...(parentId !== undefined ? { parentId } : {}),
        children: [],
        depth: first.depth,
        step: first.step,
        text: first.text,
        score: members.reduce<number | null>(
          (best, member) =>
            member.score === null
              ? best
              : best === null
                ? member.score
                : Math.max(best, member.score),
          null,
        ),
        multiplicity: members.reduce((sum, member) => sum + member.multiplicity, 0),
        visits: members.reduce((sum, member) => sum + member.visits, 0),
        finished: first.finished,
        pruned: members.every((member) => member.pruned),
        chosen: members.some((member) => member.chosen),
      }
      display.children = convert(
        members.flatMap((member) => member.children),
        display.id,
      )
      return display
    })
  }
  return convert(view.roots, undefined)
}

/** A placed node. */
export interface PlacedNode {
  node: DisplayNode
  x: number
  y: number
  r: number
}

/** An edge between placed nodes. */
export interface PlacedEdge {
  from: string
  to: string
  x1: number
  y1: number
  x2: number
  y2: number
  chosen: boolean
  pruned: boolean
}

/** The result of {@link layoutForest}. */
export interface TreeLayout {
  nodes: PlacedNode[]
  edges: PlacedEdge[]
  width: number
  height: number
  /** Deepest depth drawn. */
  maxDepth: number
}

/** Spacing of {@link layoutForest}, in pixels. */
export interface LayoutOptions {
  /** Smallest horizontal distance between neighbouring leaves (default 28). */
  leafSpacing?: number
  /** Vertical distance between depths (default 64). */
  levelSpacing?: number
  /** Margin around the drawing (default 24). */
  margin?: number
  /** Radius of a node of weight 1 (default 6). */
  baseRadius?: number
  /** Largest radius (default 18). */
  maxRadius?: number
}

/**
 * The radius of a node: `baseRadius x sqrt(weight)` up to `maxRadius`, where the weight is its
 * visits when any were counted (MCTS), else its multiplicity (merged identical samples).
 */
export function nodeRadius(
  node: Pick<DisplayNode, 'visits' | 'multiplicity'>,
  baseRadius = 6,
  maxRadius = 18,
): number {
  const weight = node.visits > 0 ? node.visits : node.multiplicity
  return Math.min(maxRadius, baseRadius * Math.sqrt(Math.max(1, weight)))
}

/**
 * Places a forest: y from depth (the roots' depth at the top), x from a post-order walk that
 * puts each leaf `leafSpacing` after the previous one (further when it would touch a node
 * already placed: big nodes push their neighbours apart) and centres each parent over its first
 * and last child; trees of the forest sit side by side. Deterministic: the same forest gives
 * the same layout.
 */
export function layoutForest(
  forest: readonly DisplayNode[],
  options: LayoutOptions = {},
): TreeLayout {
  const leafSpacing = options.leafSpacing ?? 28
  const levelSpacing = options.levelSpacing ?? 64
  const margin = options.margin ?? 24
  const baseRadius = options.baseRadius ?? 6
  const maxRadius = options.maxRadius ?? 18
  const nodes: PlacedNode[] = []
  const edges: PlacedEdge[] = []
  const placed = new Map<string, PlacedNode>()
  // Right edge of what is placed so far, and the x of the last leaf.
  let rightEdge = Number.NEGATIVE_INFINITY
  let lastLeaf: number | undefined
  const gap = 4
  let maxDepth = 0
  const minDepth = forest.reduce(
    (least, node) => Math.min(least, node.depth),
    Number.POSITIVE_INFINITY,
  )
  const top = Number.isFinite(minDepth) ? minDepth : 0
  const place = (node: DisplayNode, level: number): PlacedNode => {
    const children = node.children.map((child) => place(child, level + 1))
    const r = nodeRadius(node, baseRadius, maxRadius)
    let x: number
    if (children.length === 0) {
      x =
        lastLeaf === undefined
          ? margin + maxRadius
          : Math.max(lastLeaf + leafSpacing, rightEdge + gap + r)
      lastLeaf = x
    } else {
      x = ((children[0] as PlacedNode).x + (children[children.length - 1] as PlacedNode).x) / 2
    }
    rightEdge = Math.max(rightEdge, x + r)
    const depth = Math.max(level, node.depth - top)
    maxDepth = Math.max(maxDepth, depth)
    const result: PlacedNode = { node, x, y: margin + maxRadius + depth * levelSpacing, r }
    placed.set(node.id, result)
    nodes.push(result)
    for (const child of children) {
      edges.push({
        from: node.id,
        to: child.node.id,
        x1: x,
        y1: result.y,
        x2: child.x,
        y2: child.y,
        chosen: node.chosen && child.node.chosen,
        pruned: child.node.pruned,
      })
    }
    return result
  }
  for (const root of forest) place(root, 0)
  // Parents were pushed after their children: draw in pre-order-like depth order instead.
  nodes.sort((a, b) => a.y - b.y || a.x - b.x)
  const widest = nodes.reduce((most, placed) => Math.max(most, placed.x), margin + maxRadius)
  return {
    nodes,
    edges,
    width: widest + maxRadius + margin,
    height: 2 * (margin + maxRadius) + maxDepth * levelSpacing,
    maxDepth,
  }
}

/**
 * Keyboard navigation over a placed forest: the node reached from `currentId` by an arrow key
 * (`up`: parent, `down`: first child, `left` / `right`: previous / next node at the same depth,
 * by x). Returns `currentId` when there is nowhere to go, the first root when it is undefined.
 */
export function neighbourNode(
  layout: Pick<TreeLayout, 'nodes'>,
  currentId: string | undefined,
  direction: 'up' | 'down' | 'left' | 'right',
): string | undefined {
  const byId = new Map(layout.nodes.map((placed) => [placed.node.id, placed]))
  const current = currentId !== undefined ? byId.get(currentId) : undefined
  if (!current) {
    const first = [...layout.nodes].sort((a, b) => a.y - b.y || a.x - b.x)[0]
    return first?.node.id
  }
  if (direction === 'up') return current.node.parentId ?? current.node.id
  if (direction === 'down') return current.node.children[0]?.id ?? current.node.id
  const row = layout.nodes.filter((placed) => placed.y === current.y).sort((a, b) => a.x - b.x)
  const index = row.indexOf(current)
  const next = row[direction === 'left' ? index - 1 : index + 1]
  return next ? next.node.id : current.node.id
}
