import { describe, expect, it } from 'vitest'
import {
  categoryColour,
  luminance,
  okabeIto,
  scoreColour,
  textColourOn,
  unscoredColour,
  viridisStops,
} from './palette.js'

describe('the palette', () => {
  it('maps scores onto viridis, linearly between its stops', () => {
    expect(scoreColour(0)).toBe(viridisStops[0])
    expect(scoreColour(0.5)).toBe(viridisStops[2])
    expect(scoreColour(1)).toBe(viridisStops[4])
    // Halfway between #440154 and #3b528b.
    expect(scoreColour(0.125)).toBe('#402a70')
    expect(scoreColour(null)).toBe(unscoredColour)
    expect(scoreColour(Number.NaN)).toBe(unscoredColour)
  })

  it('gets lighter as the score grows (readable in grey scale)', () => {
    const levels = [0, 0.2, 0.4, 0.6, 0.8, 1].map((score) => luminance(scoreColour(score)))
    for (let index = 1; index < levels.length; index++) {
      expect(levels[index]).toBeGreaterThan(levels[index - 1] as number)
    }
  })

  it('picks the contrasting text colour and cycles categories', () => {
    expect(textColourOn(viridisStops[0] as string)).toBe('#ffffff')
    expect(textColourOn(viridisStops[4] as string)).toBe('#000000')
    expect(categoryColour(0)).toBe(okabeIto[0])
    expect(categoryColour(okabeIto.length + 1)).toBe(okabeIto[1])
  })
})
