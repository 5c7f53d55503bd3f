import { describe, expect, it } from 'vitest'
import { parseRequest } from './parse-request.js'

describe('parseRequest', () => {
  it('normalizes a completion request', () => {
    expect(
      parseRequest(
        {
          model: 'tinymath-draft',
          prompt: 'Q: x\nA:',
          n: 3,
          max_tokens: 20,
          temperature: 0.5,
          top_p: 0.9,
          seed: 4,
          stop: '\n',
          logprobs: 2,
          echo: false,
          user: 'ignored',
        },
        'completion',
      ),
    ).toEqual({
      kind: 'completion',
      model: 'tinymath-draft',
      prompts: ['Q: x\nA:'],
      n: 3,
      stream: false,
      maxTokens: 20,
      maxTokensField: 'max_tokens',
      temperature: 0.5,
      topP: 0.9,
      seed: 4,
      stop: ['\n'],
      logprobs: true,
      topLogprobs: 2,
    })
  })

  it('reads chat logprobs, max_completion_tokens and the metagen extension', () => {
    const parsed = parseRequest(
      {
        model: 'tinymath-generator',
        messages: [{ role: 'user', content: 'What is 1 + 1?' }],
        max_completion_tokens: 9,
        logprobs: null,
        metagen: { strategy: { strategy: 'best-of-n', n: 2, scorer: 'step-checker' } },
      },
      'chat',
    )
    expect(parsed.prompts).toEqual(['Q: What is 1 + 1?\nA:'])
    expect(parsed.maxTokens).toBe(9)
    expect(parsed.logprobs).toBe(false)
    expect(parsed.strategy).toEqual({ strategy: 'best-of-n', n: 2, scorer: 'step-checker' })
  })

  it('reads streaming options and the vLLM sampling extensions', () => {
    const parsed = parseRequest(
      {
        model: 'tinymath-draft',
        prompt: 'Q: x\nA:',
        stream: true,
        stream_options: { include_usage: true },
        top_k: 5,
        min_p: 0.1,
        repetition_penalty: 1.2,
        min_tokens: 3,
      },
      'completion',
    )
    expect(parsed.stream).toBe(true)
    expect(parsed.includeUsage).toBe(true)
    expect(parsed.providerOptions).toEqual({
      metagen: { topK: 5, minP: 0.1, repetitionPenalty: 1.2, minNewTokens: 3 },
    })
  })

  it('names the wire field of bad input', () => {
    const base = { model: 'tinymath-draft', prompt: 'Q: x\nA:' }
    expect(() => parseRequest({ ...base, n: 0 }, 'completion')).toThrow(/Invalid argument n:/)
    expect(() => parseRequest({ ...base, n: 1.5 }, 'completion')).toThrow(/argument n:/)
    expect(() => parseRequest({ ...base, top_p: 0 }, 'completion')).toThrow(/top_p/)
    expect(() => parseRequest({ ...base, temperature: -1 }, 'completion')).toThrow(/temperature/)
    expect(() => parseRequest({ ...base, max_tokens: 0 }, 'completion')).toThrow(/max_tokens/)
    expect(() => parseRequest({ ...base, seed: -1 }, 'completion')).toThrow(/seed/)
    expect(() => parseRequest({ ...base, stop: [''] }, 'completion')).toThrow(/stop/)
    expect(() => parseRequest({ ...base, logprobs: 6 }, 'completion')).toThrow(/logprobs/)
    expect(() => parseRequest({ ...base, stream: 'yes' }, 'completion')).toThrow(/stream/)
    expect(() =>
      parseRequest({ ...base, stream_options: { include_usage: true } }, 'completion'),
    ).toThrow(/stream_options/)
    expect(() => parseRequest({ ...base, top_k: 0 }, 'completion')).toThrow(/top_k/)
    expect(() => parseRequest({ ...base, min_p: 2 }, 'completion')).toThrow(/min_p/)
    expect(() => parseRequest({ ...base, repetition_penalty: 0 }, 'completion')).toThrow(
      /repetition_penalty/,
    )
    expect(() => parseRequest({ ...base, n: 3, best_of: 2 }, 'completion')).toThrow(
      /best_of: expected an integer >= 3/,
    )
    expect(() => parseRequest({ ...base, max_tokens: 0 }, 'completion')).toThrow(/max_tokens/)
    expect(() => parseRequest({ ...base, prompt_logprobs: 2 }, 'completion')).toThrow(
      /prompt_logprobs/,
    )
    expect(() => parseRequest({ ...base, echo: true, stream: true }, 'completion')).toThrow(/echo/)
    expect(() =>
      parseRequest({ ...base, guided_regex: 'a', guided_choice: ['b'] }, 'completion'),
    ).toThrow(/guided_choice: expected at most one of/)
    expect(() =>
      parseRequest(
        { ...base, guided_regex: 'a', metagen: { strategy: { strategy: 'greedy' } } },
        'completion',
      ),
    ).toThrow(/guided_regex: expected to be absent with metagen\.strategy/)
    expect(() =>
      parseRequest(
        { model: 'tinymath-draft', messages: [{ role: 'user', content: 'x?' }], echo: true },
        'chat',
      ),
    ).toThrow(/echo: expected absent in chat requests/)
    expect(() => parseRequest({ ...base, prompt: [1, 2] }, 'completion')).toThrow(/prompt/)
    expect(() => parseRequest({ prompt: 'x' }, 'completion')).toThrow(/model/)
    expect(() => parseRequest([], 'completion')).toThrow(/body/)
    expect(() => parseRequest({ ...base, metagen: {} }, 'completion')).toThrow(/metagen\.strategy/)
    expect(() =>
      parseRequest(
        { ...base, logprobs: 1, metagen: { strategy: { strategy: 'greedy' } } },
        'completion',
      ),
    ).toThrow(/logprobs/)
    const chat = { model: 'tinymath-draft', messages: [{ role: 'user', content: 'x?' }] }
    expect(() => parseRequest({ ...chat, top_logprobs: 2 }, 'chat')).toThrow(/top_logprobs/)
    expect(() => parseRequest({ ...chat, logprobs: 1 }, 'chat')).toThrow(/logprobs/)
  })
})
