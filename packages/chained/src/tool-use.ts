// Tool calls inside generation over any LanguageModel (prompt continuation): generation stops at
// a tool's trigger, the tool's result is spliced into the text, and generation continues.
import {
  addUsage,
  assertCanContinue,
  assertInteger,
  assertTextInput,
  BudgetExhaustedError,
  callModel,
  compact,
  continueInput,
  emptyUsage,
  type FinishReason,
  type Generator,
  type GeneratorResult,
  InvalidArgumentError,
  type LanguageModel,
  noOutputError,
  parseOption,
  type RequestOptions,
  requestForInput,
  type TextInput,
  type TextOutput,
  type Usage,
} from '@metagen/core'
import { chainedOptionSchemas } from './option-schemas.js'
import { withAnswer } from './text-input.js'
import type { Tool, ToolCall } from './tool.js'

/** Options of {@link toolUse}. */
export interface ToolUseOptions {
  /** The model that writes the text. */
  model: LanguageModel
  /** The tools, with distinct non-empty triggers. */
  tools: readonly Tool[]
  /** Most tool calls per output, an integer >= 0 (default 32); later triggers are left alone. */
  maxToolCalls?: number
  /**
   * Request fields of each model call. `maxTokens` bounds the generated tokens of the whole
   * output (summed over the segments between tool calls), not of each segment.
   */
  request?: RequestOptions
  /** Sets `TextOutput.answer` from the final text. */
  extractAnswer?: (text: string) => string | undefined
  /** Name in traces (default `tool-use`). */
  name?: string
}

/** Output of {@link toolUse}: the text with tool results spliced in, and the calls made. */
export interface ToolUseOutput extends TextOutput {
  /** Every tool call, in order. */
  toolCalls: ToolCall[]
}

/**
 * Tool-augmented generation. Each model call stops at any tool trigger (added to the stop
 * sequences); when a tool matches the text generated so far, `trigger + result` is appended and
 * the model continues from the prompt plus everything so far (one `callModel` per segment, each
 * a `model-call` trace event, each tool call a `note` event named after the tool). The text so
 * far is continued as the model supports (`capabilities.continuation`: the prompt extended on
 * completion models, a trailing assistant message with assistant prefill); a model that cannot
 * continue is refused with InvalidArgumentError (argument `options.model`).
 *
 * A backend does not report which stop sequence ended a sample, so when no tool matches after a
 * `stop` finish the output ends there (the model chose to stop, or wrote a trigger that is not a
 * call). When the budget runs out after the first segment, the text so far is returned with
 * `stoppedBy: 'budget'`.
 */
export function toolUse(options: ToolUseOptions): Generator<TextInput, ToolUseOutput> {
  if (!options || typeof options.model?.generate !== 'function') {
    throw new InvalidArgumentError({
      argument: 'options.model',
      expected: 'a LanguageModel',
      received: options?.model,
    })
  }
  const tools = options.tools
  if (!Array.isArray(tools) || tools.length === 0) {
    throw new InvalidArgumentError({
      argument: 'options.tools',
      expected: 'a non-empty array of tools',
      received: tools,
    })
  }
  const triggers = new Set<string>()
  for (const [index, tool] of tools.entries()) {
    if (typeof tool?.trigger !== 'string' || tool.trigger === '' || triggers.has(tool.trigger)) {
      throw new InvalidArgumentError({
        argument: `options.tools[${index}].trigger`,
        expected: 'a non-empty stop string not used by another tool',
        received: tool?.trigger,
      })
    }
    triggers.add(tool.trigger)
  }
  const maxToolCalls = options.maxToolCalls ?? 32
  parseOption('options.maxToolCalls', chainedOptionSchemas.maxToolCalls, maxToolCalls)
  const { model, request = {}, extractAnswer } = options
  assertCanContinue('options.model', model, 'tool use')
  const maxTokens = request.maxTokens
  if (maxTokens !== undefined) assertInteger('options.request.maxTokens', maxTokens, 1)
  const stop = [...(request.stop ?? []), ...triggers]

  return {
    name: options.name ?? 'tool-use',
    async run(input, context): Promise<GeneratorResult<ToolUseOutput>> {
      assertTextInput('input', input)
      let text = ''
      let usage: Usage = emptyUsage()
      let finishReason: FinishReason = 'stop'
      const toolCalls: ToolCall[] = []
      let stoppedBy: 'budget' | undefined
      for (;;) {
        const remaining = maxTokens === undefined ? undefined : maxTokens - usage.outputTokens
        if (remaining !== undefined && remaining < 1) {
          finishReason = 'length'
          break
        }
        const segmentStop = toolCalls.length < maxToolCalls ? stop : request.stop
        let result: Awaited<ReturnType<typeof callModel>>
        try {
          result = await callModel(context, model, {
            ...requestForInput(continueInput(input, text, model, 'tool use'), {
              ...request,
              ...compact({ maxTokens: remaining }),
              ...(segmentStop && segmentStop.length > 0 ? { stop: segmentStop } : {}),
            }),
            n: 1,
          })
        } catch (error) {
          if (BudgetExhaustedError.isInstance(error) && text !== '') {
            stoppedBy = 'budget'
            finishReason = 'length'
            break
          }
          throw error
        }
        usage = addUsage(usage, result.usage)
        const segment = result.outputs[0]
        if (!segment) throw noOutputError(model)
        if (segment.error) throw segment.error
        text += segment.text
        finishReason = segment.finishReason
        if (finishReason !== 'stop' || toolCalls.length >= maxToolCalls) break
        const call = findCall(tools, text)
        if (!call) break
        text += call.tool.trigger
        const toolCall: ToolCall = {
          tool: call.tool.name,
          input: call.match.input,
          result: call.match.result,
          offset: text.length,
        }
        toolCalls.push(toolCall)
        text += call.match.result
        context.emit({
          kind: 'note',
          id: context.nextId('t'),
          name: call.tool.name,
          data: { ...toolCall },
        })
      }
      const output = withAnswer({ text, finishReason, toolCalls } as TextOutput, extractAnswer)
      return {
        output: output as ToolUseOutput,
        usage,
        ...compact({ stoppedBy }),
      }
    },
  }
}

function findCall(
  tools: readonly Tool[],
  text: string,
): { tool: Tool; match: NonNullable<ReturnType<Tool['match']>> } | undefined {
  for (const tool of tools) {
    const match = tool.match(text)
    if (match) return { tool, match }
  }
  return undefined
}
