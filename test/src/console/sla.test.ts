import { describe, expect, it } from "vitest";
import { defaultSlaHours, slaClock } from "../../../src/console/sla.js";

const day = "2026-11-28";
const at = (hhmm: string) => Date.parse(`${day}T${hhmm}:00.000Z`);

describe("SLA clock", () => {
  it.each([
    ["emergency", "00:59", false],
    ["emergency", "01:01", true],
    ["urgent", "23:59", false],
    ["normal", "23:59", false],
  ] as const)(
    "%s at %s breached=%s (clock starts at the start of the arrival day)",
    (urgency, time, breached) => {
      expect(slaClock(day, urgency, defaultSlaHours, at(time)).breached).toBe(breached);
    },
  );

  it("counts urgent and normal across days, and takes configured hours", () => {
    expect(slaClock(day, "urgent", defaultSlaHours, at("00:00") + 24 * 3_600_000 + 1).breached).toBe(true);
    expect(slaClock(day, "normal", defaultSlaHours, at("00:00") + 72 * 3_600_000 - 1).breached).toBe(false);
    const custom = { emergency: 4, urgent: 48, normal: 120 };
    const c = slaClock(day, "emergency", custom, at("03:00"));
    expect(c.breached).toBe(false);
    expect(c.remainingMs).toBe(3_600_000);
  });
});
