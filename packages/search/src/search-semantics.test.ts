// The searches' semantics on scripted steps and scores: which nodes each round expands and how
// many times (search-and-learn's beam search and DVTS, REBASE's width accounting), merging of
// identical steps, and MCTS's backed-up values.
import { createCollectingTraceSink, createRunContext } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { allocateRebaseWidth } from './allocate-rebase-width.js'
import { diverseVerifierTreeSearch } from './diverse-verifier-tree-search.js'
import { monteCarloTreeSearch } from './monte-carlo-tree-search.js'
import { rewardBalancedSearch } from './reward-balanced-search.js'
import { createScriptedProposer, createTableScorer } from './scripted-steps.test-support.js'
import { stepBeamSearch } from './step-beam-search.js'

const prompt = 'Q: ?\nA:'

describe('step beam search (search-and-learn)', () => {
  it('keeps the N/M best unfinished beams, continues each M times, and replaces finished ones', async () => {
    const script: Record<string, string[]> = {
      '': [' a', ' b', ' c', ' d!'],
      ' a': [' a1!', ' a2', ' a3', ' a4'],
      ' b': [' b1', ' b2'],
    }
    const proposer = createScriptedProposer((parent, k) => script[parent]?.[k] ?? ' end!')
    const scorer = createTableScorer({
      ' a': 0.9,
      ' b': 0.8,
      ' c': 0.1,
      ' d!': 0.5,
      ' a a1!': 1,
      ' a a2': 0.7,
      ' b b1': 0.6,
      ' b b2': 0.2,
    })
    const search = stepBeamSearch({ proposer, scorer, beams: 4, beamWidth: 2 })
    const result = await search.run({ prompt }, createRunContext())
    // round 1: the root's N = 4 samples; ' d!' is complete and leaves
    expect(proposer.calls[0]).toEqual([{ text: '', count: 4 }])
    // round 2: the N/M = 2 best unfinished beams, M = 2 samples each
    expect(proposer.calls[1]).toEqual([
      { text: ' a', count: 2 },
      { text: ' b', count: 2 },
    ])
    // round 3: ' a a1!' finished; still N = 4 samples, over the 2 best unfinished beams
    expect(proposer.calls[2]).toEqual([
      { text: ' a a2', count: 2 },
      { text: ' b b1', count: 2 },
    ])
    for (const call of proposer.calls) {
      expect(call.reduce((sum, request) => sum + request.count, 0)).toBe(4)
    }
    expect(result.output.text).toBe(' a a1!')
    expect(result.output.score).toBe(1)
  })

  it('spreads the N samples over fewer survivors than N/M', async () => {
    const proposer = createScriptedProposer((parent, k) =>
      parent === '' ? ([' a', ' b!', ' c!', ' d!'][k] ?? ' x!') : ' end!',
    )
    const search = stepBeamSearch({
      proposer,
      scorer: createTableScorer({ ' a': 0.5 }),
      beams: 4,
      beamWidth: 2,
    })
    await search.run({ prompt }, createRunContext())
    expect(proposer.calls[1]).toEqual([{ text: ' a', count: 4 }])
  })

  it('samples exactly N steps per round when M does not divide N', async () => {
    const proposer = createScriptedProposer((parent, k) =>
      parent === '' ? ([' a', ' b', ' c', ' d', ' e'][k] ?? ' x') : ' end!',
    )
    const scorer = createTableScorer({ ' a': 0.1, ' b': 0.9, ' c': 0.5, ' d': 0.2, ' e': 0.3 })
    await stepBeamSearch({ proposer, scorer, beams: 5, beamWidth: 2 }).run(
      { prompt },
      createRunContext(),
    )
    // floor(5 / 2) = 2 beams kept; the better one takes the extra sample
    expect(proposer.calls[1]).toEqual([
      { text: ' b', count: 3 },
      { text: ' c', count: 2 },
    ])
  })

  it('keeps distinct beams when identical solutions are proposed (deduplicate: filter_duplicates)', async () => {
    const proposer = createScriptedProposer((parent, k) =>
      parent === '' ? ([' a', ' a', ' b', ' c'][k] ?? ' x') : ' end!',
    )
    const scorer = createTableScorer({ ' a': 0.9, ' b': 0.5, ' c': 0.4 })
    const search = stepBeamSearch({
      proposer,
      scorer,
      beams: 4,
      beamWidth: 2,
      mergeIdenticalSteps: false,
      deduplicate: true,
    })
    await search.run({ prompt }, createRunContext())
    expect(proposer.calls[1]?.map((request) => request.text)).toEqual([' a', ' b'])
  })

  it('by default (filter_duplicates off) keeps identical beams as separate beams', async () => {
    const proposer = createScriptedProposer((parent, k) =>
      parent === '' ? ([' a', ' a', ' b', ' c'][k] ?? ' x') : ' end!',
    )
    const scorer = createTableScorer({ ' a': 0.9, ' b': 0.5, ' c': 0.4 })
    const search = stepBeamSearch({
      proposer,
      scorer,
      beams: 4,
      beamWidth: 2,
      mergeIdenticalSteps: false,
    })
    await search.run({ prompt }, createRunContext())
    // both copies of ' a' are among the N/M = 2 best beams, each continued M = 2 times
    expect(proposer.calls[1]).toEqual([
      { text: ' a', count: 2 },
      { text: ' a', count: 2 },
    ])
  })

  it('gives a merged node as many beam slots as the samples it stands for (at most N/M)', async () => {
    const script = [' a', ' b', ' a', ' c', ' c', ' c', ' d', ' e']
    const scorer = createTableScorer({ ' a': 0.9, ' b': 0.8, ' c': 0.7, ' d': 0.6, ' e': 0.5 })
    const run = async (deduplicate: boolean) => {
      const proposer = createScriptedProposer((parent, k) =>
        parent === '' ? (script[k] ?? ' x') : ' end!',
      )
      await stepBeamSearch({ proposer, scorer, beams: 8, beamWidth: 2, deduplicate }).run(
        { prompt },
        createRunContext(),
      )
      return proposer.calls[1]
    }
    // N/M = 4 slots, best first: ' a' (2 samples) 2 slots, ' b' 1, ' c' (3 samples) the last 1
    expect(await run(false)).toEqual([
      { text: ' a', count: 4 },
      { text: ' b', count: 2 },
      { text: ' c', count: 2 },
    ])
    // filter_duplicates: one slot per distinct text
    expect(await run(true)).toEqual([
      { text: ' a', count: 2 },
      { text: ' b', count: 2 },
      { text: ' c', count: 2 },
      { text: ' d', count: 2 },
    ])
  })

  it('rejects a deduplicate option that is not a boolean', () => {
    const proposer = createScriptedProposer(() => ' end!')
    expect(() =>
      stepBeamSearch({
        proposer,
        scorer: createTableScorer({}),
        // @ts-expect-error: a string is not a boolean
        deduplicate: 'yes',
      }),
    ).toThrow(/deduplicate/)
  })
})

describe('merging identical steps', () => {
  it('merges identical proposals under one parent: one node, scored once, its multiplicity kept', async () => {
    const proposer = createScriptedProposer((parent, k) =>
      parent === '' ? ([' a', ' a', ' a', ' b'][k] ?? ' x') : ' end!',
    )
    const scorer = createTableScorer({ ' a': 0.9, ' b': 0.5 })
    const trace = createCollectingTraceSink()
    const search = stepBeamSearch({ proposer, scorer, beams: 4, beamWidth: 2 })
    const result = await search.run({ prompt }, createRunContext({ trace }))
    expect(scorer.batches[0]?.map((request) => request.output)).toEqual([' a', ' b'])
    // ' a' stands for 3 beams, so it fills both N/M = 2 slots and gets all N = 4 samples
    expect(proposer.calls[1]).toEqual([{ text: ' a', count: 4 }])
    expect(result.output.mergedSteps).toBe(2 + 3) // 3 x ' a' at the root, then 4 x ' end!' under ' a'
    const nodeA = trace.events.find((event) => event.kind === 'node' && event.data?.text === ' a')
    expect(nodeA?.data?.multiplicity).toBe(3)
    // the merged node's usage is that of the three samples it stands for
    expect(nodeA?.usage?.outputTokens).toBe(3 * ' a'.length)
    expect(
      trace.events.find((event) => event.kind === 'note' && event.name === 'search-summary')?.data,
    ).toMatchObject({ mergedSteps: 5 })
    // the duplicates' proposer states were released at once
    expect(proposer.released.size).toBeGreaterThan(0)
  })
})

describe('DVTS (search-and-learn)', () => {
  it('runs N/M subtrees that each keep the best of M steps, the first step included', async () => {
    const script: Record<string, string[]> = {
      '': [' x', ' y', ' z', ' w'],
    }
    const proposer = createScriptedProposer((parent, k) => script[parent]?.[k] ?? ' end!')
    const scorer = createTableScorer({ ' x': 0.2, ' y': 0.9, ' z': 0.5, ' w': 0.4, ' y end!': 1 })
    const search = diverseVerifierTreeSearch({ proposer, scorer, beams: 4, beamWidth: 2 })
    const result = await search.run({ prompt }, createRunContext())
    // two subtrees, each sampling M = 2 first steps from the root
    expect(proposer.calls[0]).toEqual([
      { text: '', count: 2 },
      { text: '', count: 2 },
    ])
    // each subtree moved to the verifier's best of its M first steps
    expect(proposer.calls[1]).toEqual([
      { text: ' y', count: 2 },
      { text: ' z', count: 2 },
    ])
    expect(result.output.text).toBe(' y end!')
  })

  it('spreads N over floor(N / M) subtrees (at least one) when M does not divide N', async () => {
    const proposer = createScriptedProposer(() => ' end!')
    const scorer = createTableScorer({})
    await diverseVerifierTreeSearch({ proposer, scorer, beams: 5, beamWidth: 2 }).run(
      { prompt },
      createRunContext(),
    )
    expect(proposer.calls[0]).toEqual([
      { text: '', count: 3 },
      { text: '', count: 2 },
    ])
    const single = createScriptedProposer(() => ' end!')
    await diverseVerifierTreeSearch({ proposer: single, scorer, beams: 2, beamWidth: 4 }).run(
      { prompt },
      createRunContext(),
    )
    expect(single.calls[0]).toEqual([{ text: '', count: 2 }])
  })
})

describe('REBASE', () => {
  it('allocates the width by its reference rule: best first, each the ceiling of its softmax share of what is left', () => {
    // weights exp((s - 1) / 0.5) = [0.2019, 1, 0.4493]: 1 -> ceil(10 x 1 / 1.6512) = 7,
    // then 2 -> ceil(3 x 0.4493 / 0.6512) = 3, then 0 -> nothing left
    expect(allocateRebaseWidth([0.2, 1, 0.6], 10, 0.5)).toEqual([0, 7, 3])
    expect(allocateRebaseWidth([0.5, 0.5], 3, 0.1)).toEqual([2, 1])
    expect(allocateRebaseWidth([1, Number.NEGATIVE_INFINITY], 4, 0.1)).toEqual([4, 0])
    expect(
      allocateRebaseWidth(
        [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY],
        4,
        1,
      ),
    ).toEqual([2, 1, 1])
    expect(allocateRebaseWidth([0.3, 0.9], 0, 0.1)).toEqual([0, 0])
    expect(() => allocateRebaseWidth([1], 2, 0)).toThrow(/temperature/)
  })

  it('takes one unit of width per finished trajectory and spends merged duplicates on other branches', async () => {
    const script: Record<string, string[]> = {
      '': [' a', ' b', ' c!', ' d~', ' a', ' e'],
    }
    const make = () => createScriptedProposer((parent, k) => script[parent]?.[k] ?? ' end!')
    const scorer = createTableScorer({ ' a': 1, ' b': 0.5, ' c!': 0.9, ' e': 0 })
    const proposer = make()
    const result = await rewardBalancedSearch({
      proposer,
      scorer,
      width: 6,
      balanceTemperature: 0.5,
    }).run({ prompt }, createRunContext())
    expect(proposer.calls[0]).toEqual([{ text: '', count: 6 }])
    // ' c!' (complete) and ' d~' (cut) finished: 6 - 2 = 4 left; ' a' (sampled twice) is one
    // state: weights [1, e^-1, e^-2] -> ' a' ceil(4 / 1.5032) = 3, ' b' ceil(1 x 0.3679 / 0.5032) = 1
    expect(proposer.calls[1]).toEqual([
      { text: ' a', count: 3 },
      { text: ' b', count: 1 },
    ])
    // the 4 expansions all completed (merged ' a end!' x 3 counts 3): width used up
    expect(proposer.calls).toHaveLength(2)
    expect(result.output.text).toBe(' c!')

    // without merging, the two copies of ' a' take the whole remaining width
    const unmerged = make()
    await rewardBalancedSearch({
      proposer: unmerged,
      scorer,
      width: 6,
      balanceTemperature: 0.5,
      mergeIdenticalSteps: false,
    }).run({ prompt }, createRunContext())
    expect(unmerged.calls[1]).toEqual([
      { text: ' a', count: 2 },
      { text: ' a', count: 2 },
    ])
  })
})

describe('MCTS', () => {
  it('backs up each new child value along the selected path', async () => {
    const script: Record<string, string[]> = {
      '': [' p', ' q'],
      ' p': [' p1', ' p2'],
    }
    const proposer = createScriptedProposer((parent, k) => script[parent]?.[k] ?? ' end!')
    const scorer = createTableScorer({ ' p': 0.8, ' q': 0.2, ' p p1': 1, ' p p2': 0.6 })
    const trace = createCollectingTraceSink()
    await monteCarloTreeSearch({
      proposer,
      scorer,
      simulations: 2,
      expansions: 2,
      exploration: 1,
    }).run({ prompt }, createRunContext({ trace }))
    // simulation 1 expands the root into p (0.8) and q (0.2); simulation 2 selects p by UCT
    // (0.8 + sqrt(ln 2) > 0.2 + sqrt(ln 2)) and expands it into p1 (1) and p2 (0.6)
    expect(proposer.calls[1]).toEqual([{ text: ' p', count: 2 }])
    const visits = trace.events.find(
      (event) => event.kind === 'note' && event.name === 'mcts-visits',
    )?.data?.nodes as Array<{ id: string; visits: number; value: number }>
    const textOf = new Map(
      trace.events
        .filter((event) => event.kind === 'node')
        .map((event) => [event.id, event.data?.text as string]),
    )
    const byText = Object.fromEntries(visits.map((node) => [textOf.get(node.id), node]))
    expect(byText['']?.visits).toBe(4)
    expect(byText['']?.value).toBeCloseTo((0.8 + 0.2 + 1 + 0.6) / 4, 12)
    expect(byText[' p']?.visits).toBe(3)
    expect(byText[' p']?.value).toBeCloseTo((0.8 + 1 + 0.6) / 3, 12)
    expect(byText[' q']).toMatchObject({ visits: 1, value: 0.2 })
    expect(byText[' p p1']).toMatchObject({ visits: 1, value: 1 })
  })
})
