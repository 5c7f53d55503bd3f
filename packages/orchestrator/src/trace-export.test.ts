import type { TraceEvent } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import {
  buildTraceTree,
  createJsonLinesTraceSink,
  parseTraceJsonLines,
  traceToJsonLines,
} from './trace-export.js'

const usage = { inputTokens: 3, outputTokens: 4, calls: 1 }
const events: TraceEvent[] = [
  { kind: 'span-start', id: 's1', name: 'step-beam', time: 0 },
  { kind: 'model-call', id: 'c1', parentId: 's1', name: 'draft', time: 1, usage },
  { kind: 'node', id: 'n1', parentId: 's1', name: 'root', time: 2, data: { score: null } },
  {
    kind: 'node',
    id: 'n2',
    parentId: 'n1',
    name: 'step',
    time: 3,
    data: { step: '1+1=2.', score: 1 },
  },
  {
    kind: 'node',
    id: 'n3',
    parentId: 'n1',
    name: 'step',
    time: 3,
    data: { step: '1+1=3.', score: 0 },
  },
  {
    kind: 'node',
    id: 'n4',
    parentId: 'n2',
    name: 'step',
    time: 4,
    data: { step: 'The answer is 2.', score: 1 },
  },
  {
    kind: 'score',
    id: 'r1',
    parentId: 's1',
    name: 'step-checker',
    time: 5,
    data: { scores: [1, 0] },
  },
  {
    kind: 'span-end',
    id: 's1',
    name: 'step-beam',
    time: 9,
    usage,
    data: { output: { text: 'x', answer: '2' } },
  },
]

describe('trace export', () => {
  it('round-trips events through JSON lines', () => {
    const text = traceToJsonLines(events)
    expect(text.split('\n')).toHaveLength(events.length + 1)
    expect(parseTraceJsonLines(text)).toEqual(events)
    const lines: string[] = []
    const sink = createJsonLinesTraceSink((line) => lines.push(line))
    for (const event of events) sink.emit(event)
    expect(lines.join('')).toBe(text)
  })

  it('names the line of a malformed event', () => {
    expect(() =>
      parseTraceJsonLines('{"kind":"note","id":"a","name":"x","time":0}\nnot json', 'trace.jsonl'),
    ).toThrow(/trace\.jsonl:2: expected a JSON trace event/)
    expect(() => parseTraceJsonLines('{"kind":"bogus","id":"a","name":"x"}')).toThrow(
      /trace:1: expected a trace event/,
    )
  })

  it('builds the tree: spans merged, search nodes under their parents', () => {
    const [root, ...others] = buildTraceTree(events)
    expect(others).toEqual([])
    expect(root).toMatchObject({
      id: 's1',
      kind: 'span',
      duration: 9,
      usage,
      data: { output: { answer: '2' } },
    })
    expect(root?.children.map((child) => child.id)).toEqual(['c1', 'n1', 'r1'])
    const searchRoot = root?.children[1]
    expect(searchRoot?.children.map((child) => child.id)).toEqual(['n2', 'n3'])
    expect(searchRoot?.children[0]?.children.map((child) => child.id)).toEqual(['n4'])
  })

  it('makes events with unknown parents roots', () => {
    const roots = buildTraceTree([
      { kind: 'note', id: 'x', parentId: 'missing', name: 'n', time: 0 },
    ])
    expect(roots.map((root) => root.id)).toEqual(['x'])
  })
})
