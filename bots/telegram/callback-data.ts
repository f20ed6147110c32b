/**
 * Inline-button callback data: `c|<stepId>|<optionId>`. Telegram allows at most 64 bytes, and the data
 * comes back with every press, so it carries only the engine's own ids (never an answer or a label).
 */

/** Telegram's limit on `callback_data`, in bytes. */
export const CALLBACK_DATA_MAX_BYTES = 64;

const idPattern = /^[A-Za-z0-9_.:-]{1,60}$/;

/** Encodes one button; throws when the ids cannot be carried (a flow bug, caught by the rendering tests). */
export function encodeChoice(stepId: string, optionId: string): string {
  if (!idPattern.test(stepId) || !idPattern.test(optionId)) {
    throw new Error("callback ids must match [A-Za-z0-9_.:-]{1,60}");
  }
  const data = `c|${stepId}|${optionId}`;
  if (Buffer.byteLength(data, "utf8") > CALLBACK_DATA_MAX_BYTES) {
    throw new Error(`callback data longer than ${CALLBACK_DATA_MAX_BYTES} bytes`);
  }
  return data;
}

/** Decodes a button press; undefined for anything we did not render (old or forged data). */
export function decodeChoice(data: string | undefined): { stepId: string; optionId: string } | undefined {
  if (data === undefined) return undefined;
  const parts = data.split("|");
  if (parts.length !== 3 || parts[0] !== "c") return undefined;
  const [, stepId, optionId] = parts;
  if (stepId === undefined || optionId === undefined) return undefined;
  if (!idPattern.test(stepId) || !idPattern.test(optionId)) return undefined;
  return { stepId, optionId };
}
