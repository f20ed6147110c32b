import pino, { type DestinationStream, type Logger as PinoLogger } from "pino";
import { redactPaths, safeStringKeys } from "./redaction.js";

/** A value that may appear in a log field. Strings pass only under allow-listed keys. */
export type LogValue = string | number | boolean | null | undefined | readonly number[] | Error;
export type LogFields = Readonly<Record<string, LogValue>>;

/**
 * The service's logger. Each line is an event name (`intake.completed`) plus fields; there is no free-text
 * message, so user data cannot be interpolated into one. String fields are dropped unless their key is on
 * the allow-list (ids we mint, labels), errors are reduced to their class and code, and pino's redaction
 * censors known sensitive paths as a second line of defence.
 */
export interface Log {
  trace(event: string, fields?: LogFields): void;
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  fatal(event: string, fields?: LogFields): void;
  child(bindings: LogFields): Log;
  /** The underlying pino logger, for libraries that want one (Fastify). Its redaction still applies. */
  readonly pino: PinoLogger;
}

export interface LoggerOptions {
  level?: string;
  /** Where lines go; stdout by default. Tests pass a stream to inspect output. */
  destination?: DestinationStream;
  base?: LogFields;
}

const eventPattern = /^[a-z][a-z0-9_.:-]{0,80}$/;
const safeStringPattern = /^[\w .:/@#+=,()[\]-]{0,200}$/;

/** Creates the redacting logger. */
export function createLogger(options: LoggerOptions = {}): Log {
  const instance = pino(
    {
      level: options.level ?? "info",
      base: options.base ? sanitizeFields(options.base) : {},
      redact: { paths: redactPaths, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: serializeError, error: serializeError },
    },
    options.destination,
  );
  return wrap(instance);
}

function wrap(instance: PinoLogger): Log {
  const emit =
    (level: "trace" | "debug" | "info" | "warn" | "error" | "fatal") =>
    (event: string, fields?: LogFields) => {
      const safeEvent = eventPattern.test(event) ? event : "log.invalid_event";
      instance[level]({ event: safeEvent, ...(fields ? sanitizeFields(fields) : {}) });
    };
  return {
    trace: emit("trace"),
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    fatal: emit("fatal"),
    child: (bindings) => wrap(instance.child(sanitizeFields(bindings))),
    pino: instance,
  };
}

/** Applies the field rules: numbers and booleans pass, strings only under safe keys and in a safe alphabet. */
export function sanitizeFields(fields: LogFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (value instanceof Error) {
      out[key] = serializeError(value);
    } else if (typeof value === "number" || typeof value === "boolean" || value === null) {
      out[key] = value;
    } else if (typeof value === "string") {
      out[key] = safeStringKeys.has(key) && safeStringPattern.test(value) ? value : "[redacted]";
    } else if (Array.isArray(value) && value.every((v) => typeof v === "number")) {
      out[key] = value;
    } else {
      out[key] = "[redacted]";
    }
  }
  return out;
}

/**
 * Errors keep their class, their stable code and their stack frames, but not their message: messages from
 * libraries (mongoose validation, JSON parse errors) can quote the data that failed.
 */
export function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) {
    // Already reduced by sanitizeFields (pino runs its serializer again on the same key).
    if (err && typeof err === "object" && typeof (err as { type?: unknown }).type === "string")
      return err as Record<string, unknown>;
    return { type: typeof err };
  }
  const code = (err as { code?: unknown }).code;
  const frames = (err.stack ?? "")
    .split("\n")
    .filter((line) => line.trimStart().startsWith("at "))
    .slice(0, 8)
    .map((line) => line.trim());
  const out: Record<string, unknown> = { type: err.name };
  if (typeof code === "string" && safeStringPattern.test(code)) out.code = code;
  if (typeof code === "number") out.code = code;
  if (frames.length > 0) out.stack = frames.join("\n");
  if (err.cause instanceof Error) out.cause = serializeError(err.cause);
  return out;
}
