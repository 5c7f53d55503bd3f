// GPT-2 byte-level BPE maps every byte to a printable character; this inverts that map so that
// constrained decoding can see the exact bytes each token stands for.

let unicodeToByte: Map<string, number> | undefined

/** The inverse of GPT-2's `bytes_to_unicode` table: printable character -> byte. */
export function byteLevelDecoderTable(): Map<string, number> {
  if (unicodeToByte) return unicodeToByte
  const bytes: number[] = []
  for (let byte = 33; byte <= 126; byte++) bytes.push(byte)
  for (let byte = 161; byte <= 172; byte++) bytes.push(byte)
  for (let byte = 174; byte <= 255; byte++) bytes.push(byte)
  const codes = [...bytes]
  let extra = 0
  for (let byte = 0; byte < 256; byte++) {
    if (!bytes.includes(byte)) {
      bytes.push(byte)
      codes.push(256 + extra)
      extra++
    }
  }
  unicodeToByte = new Map(
    bytes.map((byte, index) => [String.fromCharCode(codes[index] as number), byte]),
  )
  return unicodeToByte
}

/** Bytes of a byte-level token string (e.g. `Ġapples` -> ` apples`); undefined if it is not one. */
export function byteLevelTokenBytes(token: string): Uint8Array | undefined {
  const table = byteLevelDecoderTable()
  const result = new Uint8Array(token.length)
  let index = 0
  for (const character of token) {
    const byte = table.get(character)
    if (byte === undefined) return undefined
    result[index++] = byte
  }
  return result.subarray(0, index)
}
