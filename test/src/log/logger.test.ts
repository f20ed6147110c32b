import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../src/log/index.js";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, destination, text: () => lines.join("") };
}

const canaries = {
  phone: "+4915799912345",
  chatId: "987654321012",
  text: "CANARY-I-am-hiding-in-Goma",
  token: "123456:CANARYTOKENabcdefghijklmnopqrstu",
  signature: "CANARYSIG/abc+def=",
  cookie: "session=CANARYCOOKIE",
};

describe("createLogger", () => {
  it("never writes canary values passed under the redacted keys, at any depth", () => {
    const out = capture();
    const log = createLogger({ level: "trace", destination: out.destination });
    log.info("test.flat", canaries);
    // Nested objects reach pino only through its own API: its redaction paths are the second line of defence.
    log.pino.info({
      body: canaries.text,
      From: canaries.phone,
      req: { headers: { cookie: canaries.cookie, "x-twilio-signature": canaries.signature } },
      message: { chat: { id: canaries.chatId }, text: canaries.text },
    });
    log.pino.info({ update: { chat_id: canaries.chatId, text: canaries.text, from: canaries.phone } });
    log.child({ text: canaries.text }).warn("test.child", { answer: canaries.text });
    const text = out.text();
    for (const value of Object.values(canaries)) expect(text).not.toContain(value);
    for (const value of ["987654321012", "4915799912345", "Goma"]) expect(text).not.toContain(value);
  });

  it("drops string fields whose key is not on the allow-list, and keeps safe ones", () => {
    const out = capture();
    createLogger({ destination: out.destination }).info("intake.completed", {
      queue: "screening",
      status: "new",
      count: 3,
      ok: true,
      whatever: canaries.text,
    });
    const line = JSON.parse(out.text());
    expect(line).toMatchObject({
      event: "intake.completed",
      queue: "screening",
      status: "new",
      count: 3,
      ok: true,
      whatever: "[redacted]",
    });
  });

  it("refuses free text as the event name", () => {
    const out = capture();
    createLogger({ destination: out.destination }).info(`message from ${canaries.phone}: ${canaries.text}`);
    expect(out.text()).not.toContain("CANARY");
    expect(JSON.parse(out.text()).event).toBe("log.invalid_event");
  });

  it("logs errors by class and code, never by message", () => {
    const out = capture();
    const err = Object.assign(new Error(`validation failed for value "${canaries.text}"`), {
      code: "E_VALIDATION",
    });
    createLogger({ destination: out.destination }).error("job.failed", { err });
    const line = JSON.parse(out.text());
    expect(line.err).toMatchObject({ type: "Error", code: "E_VALIDATION" });
    expect(out.text()).not.toContain("CANARY");
  });
});
