import { describe, expect, it } from "vitest";
import { PAD_BLOCK } from "../../../src/crypto/index.js";
import { isAppError } from "../../../src/errors/app-error.js";
import { checkFlow } from "../../../src/intake/check-flow.js";
import type { Flow } from "../../../src/intake/flow.js";
import { defaultFlow } from "../../../src/intake/flows/default-flow.js";
import {
  INTAKE_PADDED_BYTES,
  jsonBytes,
  longestIntake,
  padIntakeJson,
} from "../../../src/intake/intake-size.js";

const utf8 = (s: string) => new TextEncoder().encode(s).length;

describe("the intake size bucket", () => {
  it("covers the longest intake the shipped flow allows", () => {
    const longest = jsonBytes(longestIntake(defaultFlow));
    // Every text answer at its limit is most of it: 2,200 code points of six bytes each.
    expect(longest).toBeGreaterThan(13_200);
    expect(longest).toBeLessThanOrEqual(INTAKE_PADDED_BYTES);
    expect(checkFlow(defaultFlow)).toEqual([]);
  });

  it("fills whole envelope padding blocks: the padded text and its ISO 7816-4 byte are 64 x PAD_BLOCK", () => {
    expect((INTAKE_PADDED_BYTES + 1) % PAD_BLOCK).toBe(0);
  });

  it("no code point takes more than six bytes in JSON text (the bound longestIntake assumes)", () => {
    let max = 0;
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      const ch = String.fromCodePoint(cp); // includes lone surrogates, which JSON escapes as \udXXX
      const n = utf8(JSON.stringify(ch)) - 2;
      if (n > max) max = n;
    }
    expect(max).toBe(6);
    expect(utf8(JSON.stringify("\u0001"))).toBe(8);
  });

  it("a flow whose answer limits outgrow the bucket is refused by checkFlow", () => {
    const steps = defaultFlow.steps.map((s) =>
      s.id === "threat_description" && s.kind === "text" ? { ...s, maxLength: 3000 } : s,
    );
    const big: Flow = { ...defaultFlow, steps };
    expect(checkFlow(big).join("\n")).toMatch(/exceeds the intake size bucket/);
  });
});

describe("padIntakeJson", () => {
  it("pads any intake to exactly the bucket, and the JSON reads back the same", () => {
    for (const text of ['{"a":"x"}', JSON.stringify({ a: "Мария 👩🏽‍⚖️ ".repeat(50) })]) {
      const padded = padIntakeJson(text);
      expect(utf8(padded)).toBe(INTAKE_PADDED_BYTES);
      expect(JSON.parse(padded)).toEqual(JSON.parse(text));
    }
    const longest = JSON.stringify(longestIntake(defaultFlow));
    expect(JSON.parse(padIntakeJson(longest))).toEqual(JSON.parse(longest));
  });

  it("refuses a longer intake with INTAKE_TOO_LARGE, without its content in the error", () => {
    const text = JSON.stringify({ a: "secret-canary ".repeat(2000) });
    let caught: unknown;
    try {
      padIntakeJson(text);
    } catch (err) {
      caught = err;
    }
    expect(isAppError(caught, "INTAKE_TOO_LARGE")).toBe(true);
    expect(String((caught as Error).message) + JSON.stringify(caught)).not.toContain("secret-canary");
  });
});
