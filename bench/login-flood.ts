/**
 * Requirement 33 under load: a flood of 1,000 sign-in attempts with fresh random names, each from its own
 * address (X-Forwarded-For through a trusted proxy: the worst case, a botnet), against the `serve` role while
 * Telegram webhooks arrive at a steady rate. Reports the webhook p50/p99 alone and during the flood, their
 * ratio per round, what the flood was answered (checked or refused), and the Redis memory it left (the new
 * throttle keys, their MEMORY USAGE, and the bound that follows from the limits). Each flood starts in a fresh
 * global throttle window, so it gets the most Argon2id verifications the limits allow. Figures only: tests
 * never assert on time. Run alone: `npm run bench -- login-flood --quick`.
 */
import { randomBytes } from "node:crypto";
import autocannon, { type AutocannonRequest } from "autocannon";
import { ingressKeys } from "../bots/ingress/redis-keys.js";
import { defaultLoginLimits } from "../src/console/login-throttle.js";
import { closeRedis, createRedis } from "../src/redis/connect.js";
import { type BenchResult, figure, median, type Section } from "./lib.js";
import { startService, telegramUpdateRequest } from "./pipeline.js";
import { onCleanup, sleep } from "./support.js";

const SECTION = "login flood";
const FLOOD = 1_000;
const SECONDS = 4;
const WEBHOOK_RATE = 100;

export const loginFloodSection: Section = {
  name: "login-flood",
  async run(ctx) {
    // The `serve` role behind a TLS proxy on 127.0.0.1, whose X-Forwarded-For it believes (TRUST_PROXY).
    const service = await startService({ role: "serve", env: { TRUST_PROXY: "127.0.0.1" } });
    const url = service.app.address;
    const redis = createRedis(service.redisUrl, "app", "bench-login-flood");
    onCleanup(() => closeRedis(redis));
    const pendingKey = ingressKeys(service.prefix).pending;
    const caughtUp = async () => {
      while ((await redis.zcard(pendingKey)) > 0) await sleep(20);
    };
    const throttleKeys = async (): Promise<Set<string>> => {
      const found = new Set<string>();
      let cursor = "0";
      do {
        const [next, batch] = await redis.scan(
          cursor,
          "MATCH",
          `${service.prefix}:staff:login:*`,
          "COUNT",
          1000,
        );
        cursor = next;
        for (const k of batch) found.add(k);
      } while (cursor !== "0");
      return found;
    };
    const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info("memory"))?.[1] ?? 0);

    // The pre-sign-in CSRF pair, as any client gets it from the console shell.
    const shell = await fetch(`${url}/staff`);
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(await shell.text())?.[1] ?? "";
    const cookie = `staff_csrf=${csrf}`;

    const webhook = telegramUpdateRequest(8_100_000_000);
    const signIn: AutocannonRequest = {
      method: "POST",
      path: "/staff/api/login",
      setupRequest(request) {
        const b = randomBytes(36);
        return {
          ...request,
          headers: {
            "content-type": "application/json",
            cookie,
            "x-csrf-token": csrf,
            "x-forwarded-for": `10.${b[32]}.${b[33]}.${b[34]}`,
          },
          body: JSON.stringify({
            username: `n${b.subarray(0, 8).toString("hex")}`,
            authKey: b.subarray(0, 32).toString("base64url"),
            totp: String(100_000 + (b.readUInt32BE(0) % 900_000)),
          }),
        };
      },
    };
    const paced = (request: AutocannonRequest) =>
      autocannon({ url, connections: 32, amount: FLOOD, overallRate: FLOOD / SECONDS, requests: [request] });
    const webhookLoad = () =>
      autocannon({ url, connections: 8, duration: SECONDS, overallRate: WEBHOOK_RATE, requests: [webhook] });

    const rounds = Math.min(ctx.rounds, 5);
    const alone = { p50: [] as number[], p99: [] as number[] };
    const flooded = { p50: [] as number[], p99: [] as number[] };
    const bare = { p50: [] as number[], p99: [] as number[] };
    const ratios: number[] = [];
    const overBare: number[] = [];
    const checked: number[] = [];
    const refused: number[] = [];
    const other: number[] = [];
    const webhookFailures: number[] = [];
    const floodRate: number[] = [];
    const newKeys: number[] = [];
    const newBytes: number[] = [];
    const memoryBefore = await usedMemory();

    for (let r = 0; r < rounds; r++) {
      ctx.progress("webhooks alone", r, rounds);
      const base = await webhookLoad();
      await caughtUp();
      alone.p50.push(base.latency.p50);
      alone.p99.push(base.latency.p99);
      // The control: as many requests at the same pace to a route that does nothing (GET /healthz), to tell
      // what any flood of HTTP requests costs from what the sign-in route adds.
      ctx.progress(`webhooks during ${FLOOD} requests to a bare route`, r, rounds);
      const [control] = await Promise.all([webhookLoad(), paced({ method: "GET", path: "/healthz" })]);
      await caughtUp();
      bare.p50.push(control.latency.p50);
      bare.p99.push(control.latency.p99);

      // A fresh global window: the flood gets the whole budget of checked attempts, the worst case.
      ctx.progress("waiting for a fresh throttle window", r, rounds);
      await sleep(defaultLoginLimits.globalWindowMs - (Date.now() % defaultLoginLimits.globalWindowMs) + 50);
      const keysBefore = await throttleKeys();
      ctx.progress(`webhooks during ${FLOOD} sign-ins with fresh names`, r, rounds);
      const start = performance.now();
      const [load, flood] = await Promise.all([
        webhookLoad(),
        paced(signIn).then((out) => ({ out, seconds: (performance.now() - start) / 1000 })),
      ]);
      await caughtUp();
      flooded.p50.push(load.latency.p50);
      flooded.p99.push(load.latency.p99);
      ratios.push(load.latency.p99 / Math.max(base.latency.p99, 1));
      overBare.push(load.latency.p99 / Math.max(control.latency.p99, 1));
      webhookFailures.push(
        base.non2xx + base.errors + base.timeouts + load.non2xx + load.errors + load.timeouts,
      );
      const codes = flood.out.statusCodeStats ?? {};
      const count = (code: string) => codes[code]?.count ?? 0;
      checked.push(count("401"));
      refused.push(count("429"));
      other.push(flood.out.requests.total - count("401") - count("429"));
      floodRate.push(flood.out.requests.total / flood.seconds);

      const keysAfter = await throttleKeys();
      const added = [...keysAfter].filter((k) => !keysBefore.has(k));
      let bytes = 0;
      for (const k of added) bytes += Number((await redis.call("MEMORY", "USAGE", k)) ?? 0);
      newKeys.push(added.length);
      newBytes.push(bytes);
    }
    const memoryAfter = await usedMemory();

    const results: BenchResult[] = [
      figure(SECTION, `webhook p50 alone (${WEBHOOK_RATE}/s)`, "ms", alone.p50),
      figure(SECTION, `webhook p99 alone (${WEBHOOK_RATE}/s)`, "ms", alone.p99),
      figure(SECTION, `webhook p50 during ${FLOOD} fresh-name sign-ins`, "ms", flooded.p50),
      figure(SECTION, `webhook p99 during ${FLOOD} fresh-name sign-ins`, "ms", flooded.p99),
      figure(SECTION, `webhook p50 during ${FLOOD} bare-route requests`, "ms", bare.p50),
      figure(SECTION, `webhook p99 during ${FLOOD} bare-route requests`, "ms", bare.p99),
      figure(SECTION, "webhook p99 during the flood / alone", "ratio", ratios, "per round, same run"),
      figure(
        SECTION,
        "webhook p99 during the flood / during the bare-route flood",
        "ratio",
        overBare,
        "per round",
      ),
      figure(SECTION, "webhook non-2xx or errors (all rounds)", "count", [
        webhookFailures.reduce((a, b) => a + b, 0),
      ]),
      figure(SECTION, "flood attempts/s (paced)", "ops/s", floodRate, "each name new, each address new"),
      figure(SECTION, "flood: checked (Argon2id verify, 401)", "count", checked),
      figure(SECTION, "flood: refused unchecked (429)", "count", refused),
      figure(SECTION, "flood: any other answer", "count", other),
      figure(SECTION, `flood: new throttle keys per ${FLOOD} names`, "count", newKeys),
      figure(SECTION, `flood: their memory per ${FLOOD} names`, "bytes", newBytes, "sum of MEMORY USAGE"),
      figure(
        SECTION,
        "Redis used_memory growth, whole section",
        "bytes",
        [memoryAfter - memoryBefore],
        "webhook conversations included",
      ),
    ];
    // What a flood that never stops can hold: admitted attempts per global window, each leaving a pair key for
    // pairMemoryMs and (new addresses) an address key for two address windows; refused ones leave nothing.
    const l = defaultLoginLimits;
    const perKey = median(newBytes.map((b, i) => b / Math.max(newKeys[i] ?? 1, 1)));
    const bound =
      (l.global * (l.pairMemoryMs / l.globalWindowMs) +
        l.global * ((2 * l.addressWindowMs) / l.globalWindowMs)) *
      perKey;
    results.push(
      figure(
        SECTION,
        "bound on throttle memory under a flood that never stops",
        "bytes",
        [bound],
        "derived from the limits and the bytes per key above",
      ),
    );
    return results;
  },
};
