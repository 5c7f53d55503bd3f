// @metagen/examples: runnable sample programs, one per capability. Run one with
// `pnpm --filter @metagen/examples <name>` or `node apps/examples/dist/<name>.js`.

/** The examples, by script name (each is `dist/<name>.js`). */
export const exampleNames = [
  'self-consistency',
  'best-of-n-verifier',
  'step-beam-search',
  'speculative-decoding',
  'mbr-remote',
  'self-refine-api',
  'chained-with-parallel',
  'code-tests-remote',
] as const
