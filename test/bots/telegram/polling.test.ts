import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTelegramPolling, type TelegramPolling } from "../../../bots/telegram/polling.js";
import { createQueues, type Queues } from "../../../queues/queues.js";
import { lookupHash } from "../../../src/crypto/index.js";
import { createLogger } from "../../../src/log/index.js";
import { createRedis } from "../../../src/redis/connect.js";
import { startTelegramStandIn, type TelegramStandIn } from "../../../stand-ins/telegram-bot-api.js";
import { useTestRedis } from "../../support/isolation.js";
import { makeTestKeys } from "../../support/keys.js";
import { makeIngress } from "./harness.js";

const keys = await makeTestKeys();
const testRedis = useTestRedis();
const log = createLogger({ level: "silent" });
const CHAT = 7_770_000_001;

describe("Telegram long polling (development)", () => {
  let tg: TelegramStandIn;
  let queues: Queues;
  const bull = createRedis(testRedis.url, "bullmq", "test-polling");
  const stops: TelegramPolling[] = [];
  beforeAll(async () => {
    tg = await startTelegramStandIn();
    queues = createQueues(bull, testRedis.prefix);
  });
  afterAll(async () => {
    for (const p of stops) await p.stop();
    await tg.close();
    await queues.close();
    await bull.quit();
  });

  function poll(globalPerSecond: number) {
    const ingress = makeIngress({
      keys,
      redis: testRedis.redis(),
      prefix: testRedis.prefix,
      queues,
      log,
      limits: { globalPerSecond },
    });
    const polling = startTelegramPolling({
      token: tg.token,
      apiRoot: tg.apiRoot,
      ingress,
      lookup: keys.serve.lookup,
      log,
      pollTimeoutSeconds: 1,
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
    });
    stops.push(polling);
    return { ingress, polling };
  }

  it("does not confirm an update the ingress was too busy to take, then takes it once", async () => {
    const busy = poll(0);
    const sent = await tg.userSends(CHAT, "/start");
    const updateId = sent.update.update_id as number;
    await tg.waitFor(() => tg.calls("getUpdates").length >= 4);
    await busy.polling.stop();
    for (const call of tg.calls("getUpdates")) {
      expect(Number(call.params.offset ?? 0)).toBeLessThanOrEqual(updateId);
    }
    expect(await queues["outbound-telegram"].count()).toBe(0);

    const ready = poll(10_000);
    const recipient = lookupHash(keys.serve.lookup, "telegram", String(CHAT));
    const jobsFor = async () =>
      (await queues["outbound-telegram"].getJobs(["waiting", "delayed", "active", "completed"])).filter(
        (j) => j.data.recipient === recipient,
      );
    for (let i = 0; i < 200 && (await jobsFor()).length === 0; i++)
      await new Promise((r) => setTimeout(r, 25));
    await ready.ingress.idle();
    await ready.polling.stop();
    expect(await jobsFor()).toHaveLength(1);
    expect(tg.calls("getUpdates").some((c) => Number(c.params.offset) === updateId + 1)).toBe(true);
  });
});
