/**
 * Architecture rules, checked by `npm run cycles` and by test/tooling/architecture.test.ts.
 * Imports flow one way: app -> bots -> queues -> src. `src` (the core) knows no channel and no queue library.
 */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Import cycles make start-up order and tests fragile.",
      from: {},
      to: { circular: true },
    },
    {
      name: "src-is-the-core",
      severity: "error",
      comment: "src/ must not import bots/, queues/ or app/.",
      from: { path: "^src/" },
      to: { path: "^(bots|queues|app)/" },
    },
    {
      name: "queues-below-bots",
      severity: "error",
      comment: "queues/ must not import bots/ or app/.",
      from: { path: "^queues/" },
      to: { path: "^(bots|app)/" },
    },
    {
      name: "bots-below-app",
      severity: "error",
      comment: "bots/ must not import app/.",
      from: { path: "^bots/" },
      to: { path: "^app/" },
    },
    {
      name: "src-no-queue-library",
      severity: "error",
      comment: "Only queues/ talks to BullMQ. test/fixtures/core stands for the core in the rule's own test.",
      from: { path: "^(src|test/fixtures/core)/" },
      to: { path: "node_modules/bullmq" },
    },
    {
      name: "channels-only-in-bots",
      severity: "error",
      comment:
        "Only bots/ (and the stand-ins) talk to Telegram and Twilio libraries; the core and the queues know no channel SDK.",
      from: { path: "^(src|queues|test/fixtures/core)/" },
      to: { path: "node_modules/(grammy|@grammyjs|twilio)/" },
    },
    {
      name: "mongoose-only-in-storage",
      severity: "error",
      comment: "src/storage is the only place that imports mongoose.",
      from: { pathNot: "^src/storage/" },
      to: { path: "node_modules/mongoose" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    parser: "swc",
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default"],
      extensions: [".ts", ".js", ".mjs", ".cjs"],
    },
    // Not `exclude`: that would drop npm packages from the graph, and the two package rules above could never fire.
  },
};
