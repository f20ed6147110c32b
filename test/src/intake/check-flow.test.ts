import { describe, expect, it } from "vitest";
import { checkFlow } from "../../../src/intake/check-flow.js";
import type { Flow } from "../../../src/intake/flow.js";
import { defaultFlow } from "../../../src/intake/flows/default-flow.js";

describe("checkFlow", () => {
  it("finds nothing wrong with the default flow", () => {
    expect(checkFlow(defaultFlow)).toEqual([]);
  });

  it("reports broken flows", () => {
    const broken: Flow = {
      ...defaultFlow,
      steps: [
        { id: "late", kind: "yesno", prompt: "consent-prompt", when: { answer: "later", equals: true } },
        { id: "later", kind: "text", maxLength: 10, prompt: "no-such-message" },
        {
          id: "later",
          kind: "choice",
          mode: "single",
          prompt: "consent-prompt",
          options: [
            { id: "a", label: "yes" },
            { id: "a", label: "no" },
          ],
        },
      ],
    };
    expect(checkFlow(broken)).toEqual([
      "step late depends on later, which is not asked before it",
      "message no-such-message missing in en",
      "message no-such-message missing in fr",
      "message no-such-message missing in es",
      "message no-such-message missing in ar",
      "message no-such-message missing in ru",
      "step later appears twice",
      "step later has duplicate option ids",
      "language step must be a single choice",
      "consent step must be yes/no",
      "the last step must be the submit",
      "the review must come just before the submit",
    ]);
  });
});
