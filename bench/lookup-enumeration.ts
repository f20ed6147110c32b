/**
 * What a seized host's lookup key buys (security row 28): the cost of testing one phone number against the
 * sender hashes stored in Redis and MongoDB, and of enumerating a 10^8 national mobile range; and the same
 * against closed requests, whose only sender link is a tag keyed by each request's own erasure key.
 * Single core, this process. Run: `node --import tsx bench/lookup-enumeration.ts [closedRequests]`.
 */
import { cpus } from "node:os";
import {
  cryptoReady,
  erasureTag,
  generateSecretKey,
  lookupHashWith,
  newErasureKey,
} from "../src/crypto/index.js";

await cryptoReady();
const closedRequests = Number(process.argv[2] ?? 1000);
const key = generateSecretKey();
const sample = 200_000;

// 1. Open sender hashes (Redis keys, open requests, request_senders): one keyed BLAKE2b per candidate.
let t = performance.now();
for (let i = 0; i < sample; i++)
  lookupHashWith(key, "phone", `+2547${String(10_000_000 + i).padStart(8, "0")}`);
const perHashUs = ((performance.now() - t) * 1000) / sample;

// 2. Closed requests: per candidate, its lookup hash and then one tag per closed request.
const keys = Array.from({ length: 100 }, () => newErasureKey());
const senderHash = lookupHashWith(key, "phone", "+254711222333");
t = performance.now();
const tags = 200_000;
for (let i = 0; i < tags; i++) erasureTag(keys[i % keys.length] as Uint8Array, senderHash);
const perTagUs = ((performance.now() - t) * 1000) / tags;

const range = 1e8;
const fmt = (seconds: number) =>
  seconds < 120
    ? `${seconds.toFixed(1)} s`
    : seconds < 7200
      ? `${(seconds / 60).toFixed(1)} min`
      : `${(seconds / 3600).toFixed(1)} h`;
const rows = [
  ["one lookup hash", `${perHashUs.toFixed(2)} µs`],
  ["test one number against open senders", `${perHashUs.toFixed(2)} µs`],
  ["enumerate 10^8 numbers against open senders", fmt((range * perHashUs) / 1e6)],
  ["one erasure tag", `${perTagUs.toFixed(2)} µs`],
  [
    `test one number against ${closedRequests} closed requests`,
    `${((perHashUs + closedRequests * perTagUs) / 1000).toFixed(2)} ms`,
  ],
  [
    `enumerate 10^8 numbers against ${closedRequests} closed requests`,
    fmt((range * (perHashUs + closedRequests * perTagUs)) / 1e6),
  ],
];
console.log(`# lookup enumeration, one core of ${cpus()[0]?.model ?? "unknown CPU"}`);
for (const [what, value] of rows) console.log(`| ${what} | ${value} |`);
