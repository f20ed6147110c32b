import { z } from "zod";
import { AppError } from "../errors/app-error.js";

const b64url = (bytes: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .transform((v, c) => {
      const buf = Buffer.from(v, "base64url");
      if (buf.length !== bytes || buf.toString("base64url") !== v) {
        c.addIssue({ code: "custom", message: "bad key" });
        return z.NEVER;
      }
      return new Uint8Array(buf);
    });

/** A 32-byte key sent as base64url (authentication keys). */
export const authKeySchema = b64url(32);

/** Parses a JSON body with `schema`, answering 400 without echoing anything it was sent. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new AppError("BAD_REQUEST");
  return parsed.data;
}
