// Bad config found at load, naming the file, the batch and the key, and never stopping the other
// batches: values that cannot work, ambiguous overrides, undefined template names, YAML alias bombs.
import { describe, expect, it } from "vitest";
import { ConfigError, loadBatch, loadConfig, renderTemplate } from "../../f/anomstack/config/index.ts";
import { caught, makeMetricsDir, writeBatch, writeFile } from "./helpers.ts";

describe("one broken batch file does not stop the others", () => {
  it("lists the broken file and loads the good batches (skipBroken), and loadBatch of a good one works", () => {
    const dir = makeMetricsDir();
    writeBatch(dir, "good");
    const bad = writeBatch(dir, "theirs", "alert_thresold: 0.5\n");
    writeFile(dir, "syntax/syntax.yaml", "metric_batch: syntax\ningest_sql: [unclosed\n");
    const loaded = loadConfig({ metricsDir: dir, env: {}, skipBroken: true });
    expect([...loaded.batches.keys()]).toEqual(["good"]);
    expect(loaded.broken.map((b) => [b.batch ?? null, b.error.message.split("\n")[0].replace(dir, "<dir>")])).toEqual([
      [null, expect.stringMatching(/^<dir>\/syntax\/syntax\.yaml:\d+:\d+: YAML syntax error/)],
      ["theirs", "<dir>/theirs/theirs.yaml: theirs.alert_thresold: unknown key, did you mean `alert_threshold`?"],
    ]);
    expect(loaded.broken[1].file).toBe(bad);
    expect(loadBatch("good", { metricsDir: dir, env: {} }).metric_batch).toBe("good");
    // without skipBroken (a deploy), every problem is an error
    expect(caught(() => loadConfig({ metricsDir: dir, env: {} }))).toBeInstanceOf(ConfigError);
  });
});

describe("values that cannot work are refused at load", () => {
  const cases: [string, string, RegExp][] = [
    ["alert_threshold: 7\n", "alert_threshold", /expected a number <= 1|too big|<= ?1/i],
    ["alert_threshold: -0.1\n", "alert_threshold", />= ?0|too small/i],
    ["ingest_metric_rounding: 400\n", "ingest_metric_rounding", /<= ?15|too big/i],
    ["change_threshold: 0\n", "change_threshold", /> ?0|too small|positive/i],
    [
      "model_path: ftp://host/models\n",
      "model_path",
      /scheme "ftp:\/\/" is not supported \(supported: local:\/\/DIR, s3:\/\/BUCKET\/PREFIX, gs:\/\/BUCKET\/PREFIX\)/,
    ],
    ["model_path: s3://Bad_Bucket/models\n", "model_path", /"Bad_Bucket" is not a valid bucket name/],
    ["model_path: ./models\n", "model_path", /must look like one of local:\/\/DIR, s3:\/\/BUCKET\/PREFIX, gs:\/\/BUCKET\/PREFIX/],
    ["model_configs: [{model_name: IsolationForst, model_tag: f}]\n", "model_configs[0].model_name", /IForest/],
    ["db: mysql\n", "db", /expected one of: duckdb, postgres/],
  ];
  for (const [yaml, key, message] of cases) {
    it(`${yaml.trim()}`, () => {
      const dir = makeMetricsDir();
      const file = writeBatch(dir, "b", yaml);
      const err = caught(() => loadBatch("b", { metricsDir: dir, env: {} })) as ConfigError;
      expect(err).toBeInstanceOf(ConfigError);
      const issue = err.issues.find((i) => i.key === key);
      expect(issue, err.message).toBeDefined();
      expect(issue!.file).toBe(file);
      expect(issue!.batch).toBe("b");
      expect(issue!.message).toMatch(message);
    });
  }
});

describe("an override variable that two batches would both take", () => {
  it("is reported for both batches instead of being applied twice", () => {
    const dir = makeMetricsDir();
    writeBatch(dir, "sales-eu");
    writeFile(dir, "dots/sales.eu.yaml", "metric_batch: sales.eu\ningest_sql: select 1\n");
    writeBatch(dir, "other");
    const env = { ANOMSTACK__SALES_EU__ALERT_THRESHOLD: "0.9" };
    const loaded = loadConfig({ metricsDir: dir, env, skipBroken: true });
    expect([...loaded.batches.keys()]).toEqual(["other"]);
    expect(loaded.broken.map((b) => b.error.issues[0].message)).toEqual([
      'env ANOMSTACK__SALES_EU__ALERT_THRESHOLD also matches batch "sales-eu" (both become SALES_EU in variable names): rename one of the batches',
      'env ANOMSTACK__SALES_EU__ALERT_THRESHOLD also matches batch "sales.eu" (both become SALES_EU in variable names): rename one of the batches',
    ]);
    // without an override the two names are fine
    expect([...loadConfig({ metricsDir: dir, env: {} }).batches.keys()]).toEqual(["other", "sales-eu", "sales.eu"]);
  });
});

describe("templates", () => {
  it("an undefined name fails as a template error naming the name, the batch and the key", () => {
    const dir = makeMetricsDir();
    writeBatch(dir, "b", 'ingest_sql: "select {{ nwo | sql_str }} as metric_timestamp"\n');
    const cfg = loadBatch("b", { metricsDir: dir, env: {} });
    expect(() => renderTemplate(cfg, "ingest_sql", { now: new Date(0) })).toThrow(
      "b.ingest_sql: template error: sql_str: expected a string, got undefined: `nwo` is not set (neither the batch config nor the job gives it)",
    );
  });
});

describe("YAML", () => {
  it("an alias bomb is refused (the parser's alias limit), naming the file", () => {
    const dir = makeMetricsDir();
    const lines = ["metric_batch: bomb", "ingest_sql: select 1", "a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 12; i++)
      lines.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(", ")}]`,
      );
    const file = writeFile(dir, "bomb/bomb.yaml", `${lines.join("\n")}\n`);
    const err = caught(() => loadConfig({ metricsDir: dir, env: {} })) as ConfigError;
    expect(err.issues[0].file).toBe(file);
    expect(err.message).toContain(`${file}: cannot read the YAML:`);
  });
});
