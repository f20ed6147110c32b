import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleHarness, signIn, startConsole } from "../../console/harness.js";
import { useTestMongo, useTestRedis } from "../../support/isolation.js";

const redis = useTestRedis();
const mongo = useTestMongo();
let h: ConsoleHarness;

beforeAll(async () => {
  h = await startConsole({ redis: redis.redis(), prefix: redis.prefix, mongoUri: mongo.uri });
});
afterAll(async () => {
  await h.close();
});

/** Every form the secret could be stored in: base32 as shown to the member, and its bytes in common codings. */
function formsOf(base32: string): string[] {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of base32.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const bytes = Buffer.from(bits.match(/.{8}/g)?.map((b) => Number.parseInt(b, 2)) ?? []);
  return [
    base32,
    base32.toLowerCase(),
    bytes.toString("hex"),
    bytes.toString("base64"),
    bytes.toString("base64url"),
  ];
}

describe("TOTP secrets at rest (row 36)", () => {
  it("leaves no TOTP secret in a MongoDB dump, and sign-in still checks codes", async () => {
    const client = await signIn(h);
    expect((await client.get("/staff/api/me")).status).toBe(200);
    const db = (await mongo.client()).db(mongo.dbName);
    const dump: string[] = [];
    for (const c of await db.listCollections().toArray()) {
      for (const doc of await db.collection(c.name).find({}).toArray()) dump.push(JSON.stringify(doc));
    }
    const text = dump.join("\n");
    expect(text).toContain(h.admin.id);
    for (const form of formsOf(h.admin.totpSecret)) expect(text.includes(form), form).toBe(false);
    const stored = await db.collection("staff").findOne({ _id: h.admin.id as never });
    expect(String(stored?.totpSecret)).toMatch(/^v1\./);
  });
});
