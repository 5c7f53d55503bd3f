// Colours that stay readable with colour-vision deficiencies: scores on the viridis scale
// (perceptually uniform, distinguishable in deuteranopia, protanopia and tritanopia, and in
// grey scale), categories from the Okabe-Ito palette. Pure functions.

/** Viridis at 0, 0.25, 0.5, 0.75 and 1 (matplotlib's values). */
export const viridisStops: readonly string[] = [
  '#440154',
  '#3b528b',
  '#21918c',
  '#5ec962',
  '#fde725',
]

/** The Okabe-Ito palette (Okabe and Ito, 2008), for categories such as strategies. */
export const okabeIto: readonly string[] = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#F0E442',
  '#000000',
]

/** Colour of a node whose score is unknown. */
export const unscoredColour = '#9e9e9e'

function parseHex(colour: string): [number, number, number] {
  const value = Number.parseInt(colour.slice(1), 16)
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255]
}

function toHex(channels: readonly number[]): string {
  return `#${channels.map((channel) => Math.round(channel).toString(16).padStart(2, '0')).join('')}`
}

/**
 * The viridis colour of a score in [0, 1] (linear between the stops), as `#rrggbb`. A score
 * outside [0, 1] is clamped for the colour only (the number shown stays the true one); null,
 * NaN or a non-number gives {@link unscoredColour}.
 */
export function scoreColour(score: number | null | undefined): string {
  if (typeof score !== 'number' || Number.isNaN(score)) return unscoredColour
  const position = Math.min(1, Math.max(0, score)) * (viridisStops.length - 1)
  const index = Math.min(viridisStops.length - 2, Math.floor(position))
  const fraction = position - index
  const from = parseHex(viridisStops[index] as string)
  const to = parseHex(viridisStops[index + 1] as string)
  return toHex(from.map((channel, i) => channel + ((to[i] as number) - channel) * fraction))
}

/** Relative luminance (WCAG 2) of a `#rrggbb` colour, in [0, 1]. */
export function luminance(colour: string): number {
  const [r, g, b] = parseHex(colour).map((channel) => {
    const c = channel / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }) as [number, number, number]
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

/** Black or white, whichever contrasts more with `background` (`#rrggbb`). */
export function textColourOn(background: string): '#000000' | '#ffffff' {
  const light = luminance(background)
  return (light + 0.05) / 0.05 >= 1.05 / (light + 0.05) ? '#000000' : '#ffffff'
}

/** The Okabe-Ito colour of category `index` (cycling). */
export function categoryColour(index: number): string {
  return okabeIto[((index % okabeIto.length) + okabeIto.length) % okabeIto.length] as string
}
