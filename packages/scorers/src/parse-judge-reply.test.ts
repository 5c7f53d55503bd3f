// Parsing of judge replies: accepted forms and unparseable replies.
import { describe, expect, it } from 'vitest'
import { parseJudgeScore, parsePairwisePreference } from './parse-judge-reply.js'

const scale = { min: 1, max: 10 }

describe('parseJudgeScore', () => {
  it.each([
    ['Score: 7', 7],
    ['The response is fine.\n**Score:** 8', 8],
    ['Rating: [[9]]', 9],
    ['I would give it 6/10.', 6],
    ['Step 1 is right, step 2 too. Score: 4. Final score: 5', 5],
    ['7', 7],
    ['score = 6.5', 6.5],
    ['It deserves 3 out of 10', 3],
  ])('reads %j as %d', (reply, expected) => {
    expect(parseJudgeScore(reply, scale)).toEqual({ value: expected })
  })

  it.each([
    ['', /empty/],
    ['Looks good to me.', /no score/],
    ['Steps 2 and 3 are wrong, maybe 4.', /ambiguous/],
    ['Score: 11', /outside \[1, 10\]/],
    ['Score: 0', /outside/],
  ])('reports %j as unparseable', (reply, pattern) => {
    const parsed = parseJudgeScore(reply, scale)
    expect(parsed.value).toBeUndefined()
    expect(parsed.error).toMatch(pattern)
  })
})

describe('parsePairwisePreference', () => {
  it.each([
    ['Response A is more complete. [[A]]', 'first'],
    ['[[B]]', 'second'],
    ['Both are equally good. [[C]]', 'tie'],
    ['Winner: B', 'second'],
    ['**Verdict: tie**', 'tie'],
    ['A', 'first'],
  ])('reads %j as %s', (reply, expected) => {
    expect(parsePairwisePreference(reply)).toEqual({ value: expected })
  })

  it('reports replies without a verdict', () => {
    expect(parsePairwisePreference('Both have merits.').error).toMatch(/no verdict/)
    expect(parsePairwisePreference(' ').error).toMatch(/empty/)
  })
})
