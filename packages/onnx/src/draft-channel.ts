// The shared memory through which the inference worker (the target) and its draft thread
// (draft-thread.ts) run one pipelined greedy speculative job: the draft thread publishes its
// greedy drafts position by position while the target verifies earlier ones, and the target
// tells it where the committed tokens went another way. Both sides are worker threads, so both
// may block in Atomics.wait; every wait is timed and re-checks whether the other side is gone.
import type { CausalLmContract } from './model-contract.js'

/**
 * Int32 words of a job's control block. PUBLISHED packs (epoch << COUNT_BITS) | count: the
 * drafts at generated positions [0, count) are valid in that epoch. The draft thread advances
 * count by compare-and-swap; the target starts a new epoch (a reset) by storing a new value,
 * so a draft computed on a stale prefix can never be published.
 */
export const PUBLISHED = 0
/** Reset: the token the target committed at position `count` of the new epoch. */
export const RESET_TOKEN = 1
/** The draft thread drafts only while count < LIMIT (the target's run-ahead bound). */
export const LIMIT = 2
/** Nonzero once the target ended the job. */
export const END = 3
/** The draft thread's state: RUNNING, DONE (counters written) or FAILED (message written). */
export const STATE = 4
/** Bumped by the target after every change of PUBLISHED, LIMIT or END (the draft thread waits on it). */
export const WAKE = 5
/** Counters the draft thread writes before it reports DONE. */
export const FORWARD_PASSES = 6
export const TOKENS_FED = 7
export const COMPUTED_POSITIONS = 8
/** Bytes of the failure message (UTF-8, after the control words). */
export const MESSAGE_LENGTH = 9
const CONTROL_WORDS = 10
const MESSAGE_BYTES = 2048

export const RUNNING = 0
export const DONE = 1
export const FAILED = 2

/** Low bits of PUBLISHED that hold the count; the epoch takes the 11 bits above. */
export const COUNT_BITS = 20
export const COUNT_MASK = (1 << COUNT_BITS) - 1
/** Most drafts one job may publish (positions are COUNT_BITS wide). */
export const MAX_POSITIONS = COUNT_MASK - 1
const EPOCH_MASK = 0x7ff

/** The epoch of a PUBLISHED value. */
export function epochOf(published: number): number {
  return (published >>> COUNT_BITS) & EPOCH_MASK
}

/** A PUBLISHED value: `count` valid drafts in `epoch` (taken modulo 2048). */
export function packPublished(epoch: number, count: number): number {
  return ((epoch & EPOCH_MASK) << COUNT_BITS) | count
}

/** One job's shared memory: the control block, the message bytes and the draft tokens. */
export interface DraftChannel {
  control: Int32Array
  message: Uint8Array
  /** The draft (or reset) token at each generated position. */
  tokens: Int32Array
}

/** A fresh channel for a job that may publish up to `positions` drafts. */
export function createDraftChannel(positions: number): DraftChannel {
  const control = new SharedArrayBuffer(CONTROL_WORDS * 4 + MESSAGE_BYTES)
  return {
    control: new Int32Array(control, 0, CONTROL_WORDS),
    message: new Uint8Array(control, CONTROL_WORDS * 4, MESSAGE_BYTES),
    tokens: new Int32Array(new SharedArrayBuffer(Math.max(1, positions) * 4)),
  }
}

/** Writes `text` (truncated to the message area) as the channel's failure message. */
export function writeFailure(channel: DraftChannel, text: string): void {
  const { written } = new TextEncoder().encodeInto(text, channel.message)
  Atomics.store(channel.control, MESSAGE_LENGTH, written ?? 0)
}

/** The channel's failure message. */
export function readFailure(channel: DraftChannel): string {
  const length = Atomics.load(channel.control, MESSAGE_LENGTH)
  // TextDecoder does not take views of shared memory: copy first.
  return new TextDecoder().decode(channel.message.slice(0, length))
}

/** `workerData` of a draft thread. */
export interface DraftThreadInit {
  onnxPath: string
  padTokenId: number
  contract: CausalLmContract
}

/** The target's messages to its draft thread. */
export type DraftThreadRequest =
  | {
      type: 'job'
      control: Int32Array
      message: Uint8Array
      tokens: Int32Array
      /** Every token of the target sequence: the draft's prefill. */
      context: number[]
      stopTokenIds: number[]
      /** Positions the job may publish: drafts at generated positions [0, positions). */
      positions: number
    }
  | { type: 'close' }

/** The draft thread's messages to the target (outside jobs, which talk through the channel). */
export type DraftThreadResponse =
  | { type: 'ready' }
  | { type: 'load-error'; message: string }
  | { type: 'closed' }
