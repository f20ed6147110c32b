import { describe, expect, it } from "vitest";
import { defaultFlow } from "../../../src/intake/index.js";
import {
  contactMethodIds,
  detentionStatusIds,
  displacementIds,
  supportNeededIds,
  threatTypeIds,
  workCategoryIds,
} from "../../../src/screening/intake-schema.js";

// The screening schema keeps the option ids as literal types (the rules are type-checked against them), so
// it cannot read them from the flow's runtime data. This keeps the two from drifting apart instead.
const screeningOptions: Record<string, readonly string[]> = {
  work_categories: workCategoryIds,
  threat_types: threatTypeIds,
  detention_status: detentionStatusIds,
  displacement: displacementIds,
  support_needed: supportNeededIds,
  contact_methods: contactMethodIds,
};

describe("the screening schema and the default flow", () => {
  it.each(Object.entries(screeningOptions))("offer the same options for %s", (stepId, ids) => {
    const step = defaultFlow.steps.find((s) => s.id === stepId);
    if (step?.kind !== "choice") throw new Error(`${stepId} is not a choice step of the default flow`);
    expect([...step.options.map((o) => o.id)].sort()).toEqual([...ids].sort());
  });
});
