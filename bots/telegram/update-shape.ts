import { z } from "zod";

/**
 * The parts of a Telegram Update the normaliser reads, checked before anything else touches the body. A
 * request that carries the right secret but not an Update of this shape is refused with 400, not a 500:
 * every external input is hostile until verified, even with a valid secret. Unknown fields pass through
 * (Telegram adds fields over time).
 */
const id = z.number().int().safe();
const chat = z.looseObject({ id, type: z.string() });
const user = z.looseObject({ id, is_bot: z.boolean() });

const message = z.looseObject({
  message_id: id,
  chat,
  from: user.optional(),
  date: z.number().optional(),
  text: z.string().optional(),
});

const callbackQuery = z.looseObject({
  id: z.string(),
  from: user,
  message: z.looseObject({ message_id: id, chat }).optional(),
  data: z.string().optional(),
});

export const updateShape = z.looseObject({
  update_id: id,
  message: message.optional(),
  callback_query: callbackQuery.optional(),
});

/** True when `body` has the shape of an Update as far as this service reads one. */
export function isUpdateShape(body: unknown): boolean {
  return updateShape.safeParse(body).success;
}
