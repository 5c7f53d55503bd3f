// Literal text inside the regular expressions of grammar terminals (Unicode mode).

/** A JSON Schema: a boolean or an object of keywords (drafts 04 to 2020-12). */
export type JsonSchema = boolean | { readonly [keyword: string]: unknown }

/** Escapes text so that it matches literally in a Unicode-mode regular expression. */
export function escapeRegex(text: string): string {
  let result = ''
  for (const character of text) {
    const code = character.codePointAt(0) as number
    if (/[\\^$.*+?()[\]{}|/-]/.test(character)) {
      result += character === '-' ? '\\x2d' : `\\${character}`
    } else if (code < 0x20 || code === 0x7f || (code >= 0x2028 && code <= 0x2029)) {
      result += `\\u{${code.toString(16)}}`
    } else {
      result += character
    }
  }
  return result
}
