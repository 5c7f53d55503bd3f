import { describe, expect, it } from 'vitest'
import { buildRunView, type TraceEventLike } from './trace-model.js'
import { buildDisplayForest, layoutForest, neighbourNode, nodeRadius } from './tree-layout.js'

const step = (
  id: string,
  parentId: string | undefined,
  text: string,
  extra: Record<string, unknown> = {},
): TraceEventLike => ({
  kind: 'node',
  id,
  ...(parentId ? { parentId } : {}),
  name: 'step',
  data: { step: text, text, score: 0.5, ...extra },
})

// Root with four children: three identical " 4*17=68." steps (one expanded twice), one other.
const events: TraceEventLike[] = [
  step('r', undefined, ''),
  step('a', 'r', ' 4*17=68.'),
  step('b', 'r', ' 4*17=68.', { multiplicity: 2 }),
  step('c', 'r', ' 4*17=78.'),
  step('d', 'r', ' 4*17=68.', { score: 0.9 }),
  step('a1', 'a', ' The answer is 68.', { finished: true }),
  step('d1', 'd', ' The answer is 68.', { finished: true }),
  step('d2', 'd', ' The answer is 68.'),
]

describe('the tree layout', () => {
  it('merges identical sibling steps, adding multiplicities and merging their children', () => {
    const forest = buildDisplayForest(buildRunView(events))
    expect(forest).toHaveLength(1)
    const root = forest[0]!
    expect(
      root.children.map((child) => [child.id, child.members, child.multiplicity, child.score]),
    ).toEqual([
      ['a', ['a', 'b', 'd'], 4, 0.9],
      ['c', ['c'], 1, 0.5],
    ])
    const merged = root.children[0]!
    // Finished and unfinished steps with the same text stay apart.
    expect(merged.children.map((child) => [child.members, child.finished])).toEqual([
      [['a1', 'd1'], true],
      [['d2'], false],
    ])
    const unmerged = buildDisplayForest(buildRunView(events), { merge: false })
    expect(unmerged[0]!.children.map((child) => child.id)).toEqual(['a', 'b', 'c', 'd'])
  })

  it('places depths on rows, leaves in order and parents centred over their children', () => {
    const layout = layoutForest(buildDisplayForest(buildRunView(events)), {
      leafSpacing: 10,
      levelSpacing: 50,
      margin: 0,
      maxRadius: 0,
    })
    const at = (id: string) => layout.nodes.find((placed) => placed.node.id === id)!
    expect([at('a1').x, at('d2').x, at('c').x]).toEqual([0, 10, 20])
    expect(at('a').x).toBe(5)
    expect(at('r').x).toBe(12.5)
    expect([at('r').y, at('a').y, at('a1').y]).toEqual([0, 50, 100])
    expect(layout.maxDepth).toBe(2)
    expect(layout.width).toBe(20)
    expect(layout.height).toBe(100)
    expect(layout.edges.map((edge) => `${edge.from}>${edge.to}`).sort()).toEqual([
      'a>a1',
      'a>d2',
      'r>a',
      'r>c',
    ])
  })

  it('pushes neighbours of big nodes apart so that no two nodes of a row overlap', () => {
    const view = buildRunView([
      step('r', undefined, ''),
      step('a', 'r', ' 1.', { visits: 9 }),
      step('b', 'r', ' 2.', { visits: 9 }),
      step('c', 'r', ' 3.'),
    ])
    const layout = layoutForest(buildDisplayForest(view), { leafSpacing: 10, margin: 0 })
    const row = layout.nodes.filter((placed) => placed.node.depth === 1).sort((p, q) => p.x - q.x)
    for (let index = 1; index < row.length; index++) {
      const left = row[index - 1]!
      const right = row[index]!
      expect(right.x - left.x).toBeGreaterThanOrEqual(left.r + right.r)
    }
    expect(layout.width).toBeGreaterThanOrEqual(row[row.length - 1]!.x + row[row.length - 1]!.r)
  })

  it('sizes nodes by visits when counted, else by multiplicity, capped', () => {
    expect(nodeRadius({ visits: 0, multiplicity: 1 })).toBe(6)
    expect(nodeRadius({ visits: 0, multiplicity: 4 })).toBe(12)
    expect(nodeRadius({ visits: 9, multiplicity: 1 })).toBe(18)
    expect(nodeRadius({ visits: 100, multiplicity: 1 })).toBe(18)
  })

  it('moves between nodes with the arrow keys', () => {
    const layout = layoutForest(buildDisplayForest(buildRunView(events)))
    expect(neighbourNode(layout, undefined, 'down')).toBe('r')
    expect(neighbourNode(layout, 'r', 'down')).toBe('a')
    expect(neighbourNode(layout, 'a', 'right')).toBe('c')
    expect(neighbourNode(layout, 'c', 'right')).toBe('c')
    expect(neighbourNode(layout, 'a1', 'up')).toBe('a')
    expect(neighbourNode(layout, 'r', 'up')).toBe('r')
  })
})
