import { describe, expect, it } from "vitest";
import { connectStorage } from "../../../src/storage/connection.js";
import { ensureIndexes } from "../../../src/storage/indexes.js";
import { useTestMongo } from "../../support/isolation.js";

const mongo = useTestMongo();

describe("ensureIndexes", () => {
  it("can run again on a database that already has every index (a role's second start)", async () => {
    for (let start = 0; start < 3; start++) {
      const storage = connectStorage(mongo.uri);
      try {
        await storage.ping();
        await ensureIndexes(storage.connection);
      } finally {
        await storage.close();
      }
    }
    const client = await mongo.client();
    const indexes = await client.db(mongo.dbName).collection("requests").listIndexes().toArray();
    const unique = indexes.filter((index) => index.unique).map((index) => Object.keys(index.key).join(","));
    expect(unique).toEqual(expect.arrayContaining(["intakeId", "reference"]));
  });
});
