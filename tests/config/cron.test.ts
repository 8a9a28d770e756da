// Tests of cron validation (5 or 6 fields, checked by cron-parser) and the 6-field conversion.
import { describe, expect, it } from "vitest";
import { cronProblem, toSixFieldCron } from "../../f/anomstack/config/index.ts";

describe("cron", () => {
  it("accepts 5- and 6-field expressions", () => {
    for (const ok of ["*/3 * * * *", "0 9 * * MON-FRI", "0 6 * * *", "30 */2 * * * *", " 0  9 * * * "]) expect(cronProblem(ok)).toBeUndefined();
  });

  it("rejects other field counts, aliases and out-of-range values", () => {
    expect(cronProblem("@daily")).toBe(
      `invalid cron expression "@daily": expected 5 fields (minute hour day-of-month month day-of-week) or 6 with leading seconds, got 1`,
    );
    expect(cronProblem("")).toMatch(/got 0$/);
    expect(cronProblem("* * * * * * *")).toMatch(/got 7$/);
    expect(cronProblem("0 25 * * *")).toBe(`invalid cron expression "0 25 * * *": Constraint error, got value 25 expected range 0-23`);
  });

  it("converts to the 6-field form", () => {
    expect(toSixFieldCron("*/3 * * * *")).toBe("0 */3 * * * *");
    expect(toSixFieldCron("15 */3 * * * *")).toBe("15 */3 * * * *");
  });
});
