// The tool interface of tool-augmented generation: a trigger string that stops generation and
// a matcher that decides whether the text before it is a call and what its result is.

/** What a tool made of the text generated before its trigger. */
export interface ToolMatch {
  /** The call as written by the model, e.g. `4*17`. */
  input: string
  /** The text spliced in right after the trigger, e.g. `68`. */
  result: string
}

/** A tool called from inside generation. */
export interface Tool {
  /** Name in traces and reports, e.g. `calculator`. */
  readonly name: string
  /** A non-empty stop sequence after which the tool may be called, e.g. `=`. */
  readonly trigger: string
  /**
   * Looks at everything generated so far (before the trigger) and returns the call and its
   * result, or undefined when the text is not a call (the trigger is then kept and generation
   * continues untouched). Must not throw for ordinary text.
   */
  match(text: string): ToolMatch | undefined
}

/** One tool call made during generation. */
export interface ToolCall {
  /** The tool's name. */
  tool: string
  /** The call as written, e.g. `4*17`. */
  input: string
  /** The spliced result, e.g. `68`. */
  result: string
  /** Offset in the output text where the result was spliced in (right after the trigger). */
  offset: number
}
