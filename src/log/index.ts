export {
  createLogger,
  type Log,
  type LogFields,
  type LoggerOptions,
  sanitizeFields,
  serializeError,
} from "./logger.js";
