// Parsing the judge's reply of universal self-consistency into a response number.

/**
 * The 0-based response number named in a judge's reply, or undefined when it names none in
 * [0, count). Tried in order: `most consistent response is (Response) X`, then the first
 * `Response X` / `Response #X` in range, then a number at the very start of the reply (a
 * completion prompt that already ends in `... is Response`). Numbers out of range are skipped,
 * never clamped.
 */
export function parseSelectedResponse(reply: string, count: number): number | undefined {
  const inRange = (text: string | undefined): number | undefined => {
    if (text === undefined) return undefined
    const value = Number(text)
    return Number.isInteger(value) && value >= 0 && value < count ? value : undefined
  }
  const explicit = /most consistent response is\s*(?:response\s*)?#?\s*(\d+)/i.exec(reply)
  const fromExplicit = inRange(explicit?.[1])
  if (fromExplicit !== undefined) return fromExplicit
  for (const match of reply.matchAll(/response\s*#?\s*(\d+)/gi)) {
    const value = inRange(match[1])
    if (value !== undefined) return value
  }
  return inRange(/^\s*[#:]?\s*(\d+)\b/.exec(reply)?.[1])
}
