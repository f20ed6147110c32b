export { ConfigError, type ConfigProblem } from "./config-error.js";
export { envVariableNames, secretVariables } from "./env-schema.js";
export { type Config, loadConfig } from "./load-config.js";
export { projectRoot } from "./project-root.js";
