import type { ConversationState } from "../../src/intake/index.js";
import { conversationState } from "./conversation.js";
import type { Pipeline } from "./pipeline.js";

/** Polls `check` every 50 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Answers each question the engine asks of `sender` (read from the encrypted state, which the test can
 * open) through `send` until the intake is submitted.
 */
export async function completeIntakeThrough(
  pipeline: Pipeline,
  send: (text: string) => Promise<void>,
  sender: string,
  answers: Record<string, string>,
): Promise<void> {
  const stateOf = (): Promise<ConversationState | null | undefined> =>
    conversationState(pipeline.redis.redis(), pipeline.prefix, pipeline.keys, sender);
  await send("hello");
  await waitUntil("the conversation to start", async () => (await stateOf()) !== undefined);
  for (let turn = 0; turn < 60; turn++) {
    const state = await stateOf();
    if (!state) return;
    const before = JSON.stringify(state);
    await send(answers[state.step] ?? "1");
    await waitUntil("the answer to be applied", async () => JSON.stringify(await stateOf()) !== before);
  }
  throw new Error("intake did not complete");
}
