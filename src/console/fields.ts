/**
 * Field names inside a request's envelopes (the AD binds request id + field), shared by the screening worker
 * that writes a request, the browser that reads it and adds notes, and the tests.
 * `content` holds the intake JSON (answers, reply address); each staff note is one `note` envelope.
 */
export const CONTENT_FIELD = "content";
export const NOTE_FIELD = "note";
