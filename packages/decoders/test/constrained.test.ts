// Integration tests of constrained decoding on the real tinymath generator: every output of the
// step-format constraint parses (steps and answer), under sampling, greedy and beam search, and
// JSON-schema outputs validate with ajv.
import type { TokenModel } from '@metagen/core'
import { loadOnnxTokenModel } from '@metagen/onnx'
import {
  extractAnswer,
  formatPrompt,
  loadDevSet,
  stepPattern,
  type TinymathProblem,
  tinymathModelPaths,
} from '@metagen/tinymath'
import { Ajv } from 'ajv'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  constrainedBeamSearch,
  constrainedDecode,
  createChoiceConstraint,
  createConstrainedLanguageModel,
  createJsonSchemaConstraint,
  createRegexConstraint,
} from '../src/constrained/index.js'
import { createTokenLanguageModel } from '../src/token-language-model.js'

const answerFormat = String.raw`( \d+[+\-*/]\d+=\d+\.)+ The answer is \d+\.`

let model: TokenModel
let problems: TinymathProblem[]

beforeAll(async () => {
  model = await loadOnnxTokenModel(tinymathModelPaths['tinymath-generator'], {
    modelId: 'tinymath-generator',
  })
  problems = (await loadDevSet()).filter((_, index) => index % 25 === 0)
})

afterAll(async () => {
  await model?.close()
})

/** Checks that a solution consists of `a op b=c.` steps and then `The answer is N.` */
function parseSolution(text: string): { steps: string[]; answer: string } {
  const match = /^((?: [^.]+\.)+) The answer is (\d+)\.$/.exec(text)
  if (!match) throw new Error(`does not parse: ${JSON.stringify(text)}`)
  const steps = (match[1] as string).split('.').filter((step) => step.trim() !== '')
  for (const step of steps) {
    if (!stepPattern.test(step))
      throw new Error(`bad step ${JSON.stringify(step)} in ${JSON.stringify(text)}`)
  }
  return { steps, answer: match[2] as string }
}

describe('constrained decoding on tinymath', () => {
  it('every sampled output (temperature 1.5, 4 samples x 12 problems) parses', async () => {
    const constraint = createRegexConstraint(answerFormat)
    let outputs = 0
    for (const [index, problem] of problems.entries()) {
      const result = await constrainedDecode({
        model,
        constraint,
        prompt: model.tokenizer.encode(formatPrompt(problem.question)),
        n: 4,
        maxTokens: 120,
        seed: index,
        sampling: { temperature: 1.5 },
      })
      for (const sequence of result.sequences) {
        expect(sequence.error).toBeUndefined()
        const parsed = parseSolution(sequence.text)
        expect(extractAnswer(sequence.text)).toBe(parsed.answer)
        outputs += 1
      }
    }
    expect(outputs).toBe(problems.length * 4)
  })

  it('greedy and beam search outputs parse; tight token limits still give parsable output', async () => {
    const constraint = createRegexConstraint(answerFormat)
    for (const problem of problems.slice(0, 4)) {
      const prompt = model.tokenizer.encode(formatPrompt(problem.question))
      const greedy = await constrainedDecode({
        model,
        constraint,
        prompt,
        maxTokens: 120,
        sampling: { temperature: 0 },
      })
      parseSolution(greedy.sequences[0]?.text ?? '')
      const beams = await constrainedBeamSearch({
        model,
        constraint,
        prompt,
        beamWidth: 3,
        maxTokens: 120,
      })
      for (const hypothesis of beams.sequences) parseSolution(hypothesis.text)
      // 20 tokens are too few for this model's usual solution: the mask steers to a short one.
      const tight = await constrainedDecode({
        model,
        constraint,
        prompt,
        n: 3,
        maxTokens: 20,
        seed: 1,
      })
      for (const sequence of tight.sequences) {
        expect(sequence.tokenIds.length).toBeLessThanOrEqual(20)
        parseSolution(sequence.text)
      }
    }
  })

  it('JSON-schema outputs validate with ajv', async () => {
    const schema = {
      type: 'object',
      properties: {
        answer: { type: 'integer' },
        steps: {
          type: 'array',
          items: { type: 'string', maxLength: 12 },
          minItems: 1,
          maxItems: 3,
        },
        confident: { type: 'boolean' },
        unit: { enum: ['apples', 'coins', 'none'] },
      },
      required: ['answer', 'steps', 'confident'],
    }
    const validate = new Ajv().compile(schema)
    const languageModel = createConstrainedLanguageModel(model, {
      constraint: createJsonSchemaConstraint(schema, { whitespace: 'spaced' }),
    })
    for (const problem of problems.slice(0, 5)) {
      const result = await languageModel.generate({
        prompt: `${formatPrompt(problem.question)} `,
        n: 3,
        maxTokens: 100,
        temperature: 1,
        seed: 3,
      })
      for (const output of result.outputs) {
        expect(output.error).toBeUndefined()
        const value = JSON.parse(output.text)
        expect(validate(value), `${output.text} ${JSON.stringify(validate.errors)}`).toBe(true)
      }
    }
  })

  it('a choice constraint returns one of the choices', async () => {
    const languageModel = createConstrainedLanguageModel(model, {
      constraint: createChoiceConstraint([' 12.', ' 7.', ' none.']),
      beamWidth: 3,
    })
    const result = await languageModel.generate({
      prompt: formatPrompt(problems[0]?.question ?? ''),
      n: 3,
      maxTokens: 10,
    })
    expect(result.outputs.map((output) => output.text).sort()).toEqual(
      [' 12.', ' 7.', ' none.'].sort(),
    )
  })

  it('generate({ responseFormat }) enforces JSON schemas and grammars on the local model', async () => {
    const languageModel = createTokenLanguageModel(model)
    const schema = {
      $defs: {
        step: {
          type: 'object',
          properties: {
            op: { enum: ['+', '-', '*', '/'] },
            result: { type: 'integer', minimum: 0 },
          },
          required: ['op', 'result'],
          additionalProperties: false,
        },
      },
      type: 'object',
      properties: {
        steps: { type: 'array', items: { $ref: '#/$defs/step' }, minItems: 1, maxItems: 3 },
        answer: { type: 'integer' },
      },
      required: ['steps', 'answer'],
    }
    const validate = new Ajv().compile(schema)
    const problem = problems[1] as TinymathProblem
    const json = await languageModel.generate({
      prompt: formatPrompt(problem.question),
      n: 4,
      maxTokens: 120,
      temperature: 1,
      seed: 5,
      responseFormat: { type: 'json_schema', schema },
    })
    expect(json.outputs).toHaveLength(4)
    for (const output of json.outputs) {
      expect(output.error).toBeUndefined()
      expect(validate(JSON.parse(output.text)), output.text).toBe(true)
    }
    const gbnf = await languageModel.generate({
      prompt: formatPrompt(problem.question),
      n: 4,
      maxTokens: 60,
      temperature: 1,
      seed: 6,
      responseFormat: {
        type: 'grammar',
        grammar:
          'root ::= " " expr "."\nexpr ::= term (("+" | "*") term)*\nterm ::= [0-9]+ | "(" expr ")"',
      },
    })
    for (const output of gbnf.outputs) {
      expect(output.error).toBeUndefined()
      // Balanced parentheses and the digit/operator alphabet: a recogniser of the grammar.
      expect(output.text).toMatch(/^ [0-9+*()]+\.$/)
      let depth = 0
      for (const character of output.text) {
        depth += character === '(' ? 1 : character === ')' ? -1 : 0
        expect(depth).toBeGreaterThanOrEqual(0)
      }
      expect(depth).toBe(0)
    }
    const lark = await languageModel.generate({
      prompt: formatPrompt(problem.question),
      maxTokens: 40,
      temperature: 0,
      responseFormat: {
        type: 'grammar',
        syntax: 'lark',
        grammar: 'start: " The answer is " NUMBER "."\n%import common.INT -> NUMBER',
      },
    })
    expect(lark.outputs[0]?.text).toMatch(/^ The answer is \d+\.$/)
    await expect(
      languageModel.generate({
        prompt: 'x',
        responseFormat: { type: 'grammar', grammar: 'root ::= missing' },
      }),
    ).rejects.toThrow(/missing/)
  })
})
