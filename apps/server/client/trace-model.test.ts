import { describe, expect, it } from 'vitest'
import { applyTraceEvent, buildRunView, createRunView, type TraceEventLike } from './trace-model.js'

const node = (
  id: string,
  parentId: string | undefined,
  data: Record<string, unknown>,
  outputTokens = 4,
): TraceEventLike => ({
  kind: 'node',
  id,
  ...(parentId ? { parentId } : {}),
  name: parentId === 's1' ? 'root' : 'step',
  usage: { inputTokens: 0, outputTokens, calls: 1 },
  data,
})

// A step search as packages/search traces it: root under the span, steps under their parents.
const searchEvents: TraceEventLike[] = [
  { kind: 'span-start', id: 's1', name: 'rebase', time: 0 },
  {
    kind: 'model-call',
    id: 'c1',
    name: 'tinymath-draft',
    usage: { inputTokens: 32, outputTokens: 0, calls: 1, flops: 100 },
    data: {},
    time: 1,
  },
  node('n1', 's1', { text: '', step: '', score: null, depth: 0, finished: false }, 0),
  {
    kind: 'model-call',
    id: 'c2',
    name: 'tinymath-draft',
    usage: { inputTokens: 0, outputTokens: 20, calls: 1, flops: 50 },
    data: { samples: 2 },
    time: 5,
  },
  node('n2', 'n1', { text: ' 8*85=680.', step: ' 8*85=680.', score: 1, depth: 1, finished: false }),
  node('n3', 'n1', { text: ' 8*85=760.', step: ' 8*85=760.', score: 0, depth: 1, finished: false }),
  {
    kind: 'model-call',
    id: 'c3',
    name: 'tinymath-draft',
    usage: { inputTokens: 0, outputTokens: 10, calls: 1 },
    data: {},
    time: 9,
  },
  node('n4', 'n2', {
    text: ' 8*85=680. The answer is 680.',
    step: ' The answer is 680.',
    score: 1,
    depth: 2,
    finished: true,
    multiplicity: 3,
    callId: 'c3',
  }),
  {
    kind: 'span-end',
    id: 's1',
    name: 'rebase',
    time: 12,
    data: { output: { text: ' 8*85=680. The answer is 680.', answer: '680', score: 1 } },
  },
]

describe('the run view', () => {
  it('folds search nodes, links them to model calls and marks the chosen path and pruned leaves', () => {
    const view = buildRunView(searchEvents)
    expect(view.strategy).toBe('rebase')
    expect(view.roots).toEqual(['n1'])
    expect(view.nodes.get('n1')?.children).toEqual(['n2', 'n3'])
    expect(view.nodes.get('n2')?.callId).toBe('c2')
    expect(view.nodes.get('n4')).toMatchObject({ callId: 'c3', multiplicity: 3, finished: true })
    expect(view.usage).toEqual({ inputTokens: 32, outputTokens: 30, calls: 3, flops: 150 })
    expect(view.time).toBe(12)
    expect(view.ended).toBe(true)
    expect(view.output).toEqual({ text: ' 8*85=680. The answer is 680.', answer: '680', score: 1 })
    const chosen = [...view.nodes.values()].filter((entry) => entry.chosen).map((entry) => entry.id)
    expect(chosen).toEqual(['n1', 'n2', 'n4'])
    const pruned = [...view.nodes.values()].filter((entry) => entry.pruned).map((entry) => entry.id)
    expect(pruned).toEqual(['n3'])
  })

  it('does not mark a path or pruned leaves before the run ends', () => {
    const view = createRunView()
    for (const event of searchEvents.slice(0, -1)) applyTraceEvent(view, event)
    expect(view.ended).toBe(false)
    expect([...view.nodes.values()].some((entry) => entry.chosen || entry.pruned)).toBe(false)
  })

  it('updates a node traced again and takes MCTS visits from the mcts-visits note', () => {
    const view = buildRunView([
      node('n1', undefined, { step: '', score: null, depth: 0 }),
      node('n2', 'n1', { step: ' 1+1=2.', score: 0.5, depth: 1 }),
      node('n2', 'n1', { step: ' 1+1=2.', score: 0.75, depth: 1, visits: 2 }),
      {
        kind: 'note',
        id: 'v',
        name: 'mcts-visits',
        data: {
          nodes: [
            { id: 'n1', visits: 9, value: 0.4 },
            { id: 'n2', visits: 5 },
          ],
        },
      },
    ])
    expect(view.nodes.size).toBe(2)
    expect(view.nodes.get('n2')).toMatchObject({ score: 0.75, visits: 5 })
    expect(view.nodes.get('n1')).toMatchObject({ visits: 9, value: 0.4 })
  })

  it('reads votes, score selections, refinement rounds and samples', () => {
    const view = buildRunView([
      { kind: 'span-start', id: 's1', name: 'majority-vote' },
      {
        kind: 'model-call',
        id: 'c2',
        name: 'm',
        usage: { inputTokens: 3, outputTokens: 9, calls: 1 },
        data: { outputs: [{ text: 'a 620' }, { text: 'b 720' }, { text: 'c 620' }] },
      },
      {
        kind: 'note',
        id: 'v3',
        name: 'majority-vote',
        data: {
          tally: [
            { key: '620', count: 2, weight: 2 },
            { key: '720', count: 1, weight: 1 },
          ],
          samples: 3,
        },
      },
      { kind: 'note', id: 'v4', name: 'best-of-n', data: { scores: [0.2, null, 0.9], chosen: 2 } },
      {
        kind: 'span-end',
        id: 'r2',
        name: 'self-refine-round',
        data: { round: 1, text: 'second', score: 1, done: true },
      },
      {
        kind: 'span-end',
        id: 'r1',
        name: 'self-refine-round',
        data: { round: 0, text: 'first', feedback: 'Step 2 is wrong', score: 0.5 },
      },
      {
        kind: 'span-end',
        id: 's1',
        name: 'majority-vote',
        data: { output: { text: 'c 620', answer: '620' } },
      },
    ])
    expect(view.votes).toEqual([
      {
        id: 'v3',
        name: 'majority-vote',
        entries: [
          { key: '620', count: 2, weight: 2 },
          { key: '720', count: 1, weight: 1 },
        ],
        winner: '620',
        samples: 3,
      },
    ])
    expect(view.selections).toEqual([
      { id: 'v4', name: 'best-of-n', scores: [0.2, null, 0.9], chosen: 2 },
    ])
    expect(view.rounds.map((round) => [round.round, round.text, round.feedback])).toEqual([
      [0, 'first', 'Step 2 is wrong'],
      [1, 'second', undefined],
    ])
    expect(view.samples.map((sample) => sample.text)).toEqual(['a 620', 'b 720', 'c 620'])
  })
})

describe('eval traces', () => {
  it('split into one run per problem with unprefixed ids', async () => {
    const { splitProblems } = await import('./trace-problems.js')
    const problems = splitProblems([
      { kind: 'note', id: 'p1', name: 'problem p1', data: { correct: true } },
      { kind: 'span-start', id: 'p1/s1', parentId: 'p1', name: 'greedy' },
      { kind: 'model-call', id: 'p1/c2', parentId: 'p1/s1', name: 'm' },
      { kind: 'note', id: 'p2', name: 'problem p2', data: { correct: false } },
      { kind: 'span-start', id: 'p2/s1', parentId: 'p2', name: 'greedy' },
    ])
    expect(problems.map((problem) => problem.label)).toEqual([
      'problem p1 (correct)',
      'problem p2 (wrong)',
    ])
    expect(problems[0]?.events).toEqual([
      { kind: 'span-start', id: 's1', name: 'greedy' },
      { kind: 'model-call', id: 'c2', parentId: 's1', name: 'm' },
    ])
  })
})
