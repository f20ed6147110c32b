/**
 * Before/after comparison of the crypto core and the ingress's crypto, in ONE process, alternating rounds, so
 * the load of a shared machine falls on both sides alike (the sectioned bench, run twice, could not separate
 * a 2x change from the noise of other jobs). The "before" side is another checkout of this repository:
 *
 *   git archive <commit> | tar -x -C /tmp/before && ln -s "$PWD/node_modules" /tmp/before/node_modules
 *   node --import tsx bench/compare-crypto.ts /tmp/before
 *
 * Prints markdown tables (docs/benchmarks.md, "sodium-native"). Old trees may take a fourth `agree` argument
 * (the serve role's node:crypto X25519, bots/ingress/native-x25519.ts); it is used when present.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createIngressSealing } from "../bots/ingress/sealing.js";
import * as after from "../src/crypto/index.js";

// biome-ignore lint/suspicious/noExplicitAny: the "before" tree is imported by path at run time, untyped here.
type Any = { [k: string]: any };
const beforeDir = process.argv[2];
if (!beforeDir) throw new Error("usage: compare-crypto.ts <before checkout>");
const before: Any = await import(join(beforeDir, "src/crypto/index.ts"));
const beforeSealing: Any = await import(join(beforeDir, "bots/ingress/sealing.ts"));
const nativeFile = join(beforeDir, "bots/ingress/native-x25519.ts");
const agree = existsSync(nativeFile) ? (await import(nativeFile)).createNativeAgreement() : undefined;
await before.cryptoReady();
await after.cryptoReady();

const ring = <K>(k: K) => ({ current: "k1", keys: new Map([["k1", k]]) });
function setup(c: Any) {
  const pair = c.generateBoxKeyPair();
  return {
    pub: ring(pair.publicKey),
    sec: ring(pair),
    state: ring(c.generateSecretKey()),
    dk: c.newDataKey(),
    serve: {
      state: ring(c.generateSecretKey()),
      lookup: ring(c.generateSecretKey()),
      intake: ring(c.generateBoxKeyPair().publicKey),
      outbound: ring(c.generateBoxKeyPair().publicKey),
    },
  };
}
const B = setup(before);
const A = setup(after as unknown as Any);
const a = after as unknown as Any;

function rate(fn: () => unknown, ms = 150): number {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 5; i++) fn();
    n += 5;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
function table(title: string, cases: [string, () => unknown, () => unknown][]): void {
  console.log(`\n| ${title} | before (ops/s) | after (ops/s) | after/before |\n|---|---:|---:|---:|`);
  for (const [name, b, n] of cases) {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let r = 0; r < 7; r++) {
      xs.push(rate(b));
      ys.push(rate(n));
    }
    const [x, y] = [median(xs), median(ys)];
    console.log(
      `| ${name} | ${Math.round(x).toLocaleString("en")} | ${Math.round(y).toLocaleString("en")} | ${(y / x).toFixed(2)} |`,
    );
  }
}

const core: [string, () => unknown, () => unknown][] = [];
for (const [label, size] of [
  ["160 B", 160],
  ["4 KB", 4096],
  ["16 KB", 16383],
] as const) {
  const text = "x".repeat(size);
  const bs = before.sealIntake(B.pub, "intake-1", text);
  const as = a.sealIntake(A.pub, "intake-1", text);
  const bst = before.encryptState(B.state, "c", text);
  const ast = a.encryptState(A.state, "c", text);
  const bf = before.encryptField(B.dk, "r", "a", text);
  const af = a.encryptField(A.dk, "r", "a", text);
  core.push(
    [
      `sealIntake ${label}`,
      () => before.sealIntake(B.pub, "intake-1", text, agree),
      () => a.sealIntake(A.pub, "intake-1", text),
    ],
    [
      `openIntake ${label}`,
      () => before.openIntake(B.sec, "intake-1", bs),
      () => a.openIntake(A.sec, "intake-1", as),
    ],
    [
      `encryptState ${label}`,
      () => before.encryptState(B.state, "c", text),
      () => a.encryptState(A.state, "c", text),
    ],
    [
      `decryptState ${label}`,
      () => before.decryptState(B.state, "c", bst),
      () => a.decryptState(A.state, "c", ast),
    ],
    [
      `encryptField ${label}`,
      () => before.encryptField(B.dk, "r", "a", text),
      () => a.encryptField(A.dk, "r", "a", text),
    ],
    [
      `decryptField ${label}`,
      () => before.decryptField(B.dk, "r", "a", bf),
      () => a.decryptField(A.dk, "r", "a", af),
    ],
  );
}
table("crypto (sealing as the serve role seals)", core);

const O = beforeSealing.createIngressSealing(B.serve);
const N = createIngressSealing(A.serve as never);
const entry = JSON.stringify({ channel: "telegram", body: { kind: "text", text: "x".repeat(120) } });
const state = JSON.stringify({ step: "threat_description", answers: { a: "y".repeat(600) } });
const reply = JSON.stringify({ to: "123456789", text: "z".repeat(250) });
const intake = JSON.stringify({ v: 1, answers: { a: "w".repeat(1100) } });
const ost = O.encrypt(state, "tg:1");
const nst = N.encrypt(state, "tg:1");
table("ingress crypto (IngressSealing) per", [
  [
    "accept: entry AEAD + provider-id hash",
    () => [O.encrypt(entry, "tg:1"), O.hashProviderId("telegram", "42")],
    () => [N.encrypt(entry, "tg:1"), N.hashProviderId("telegram", "42")],
  ],
  [
    "apply turn: state open + re-encrypt + one sealed reply",
    () => [O.decrypt(ost, "tg:1"), O.encrypt(state, "tg:1"), O.sealOutbound(reply, "o-1")],
    () => [N.decrypt(nst, "tg:1"), N.encrypt(state, "tg:1"), N.sealOutbound(reply, "o-1")],
  ],
  ["completion: seal the intake", () => O.sealIntake(intake, "i1"), () => N.sealIntake(intake, "i1")],
]);
