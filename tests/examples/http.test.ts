// The HTTP helpers ingest functions receive: every failure is one SourceError naming the batch, the method
// and the URL (secrets masked), saying what went wrong; each() keeps the sources that answered.
import { afterEach, describe, expect, it } from "vitest";
import { createIngestHttp, maskUrl, SourceError } from "../../f/anomstack/core/http.ts";
import { startReplay, type ReplayServer } from "./helpers/replay-server.ts";

let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function client() {
  const warnings: string[] = [];
  return { http: createIngestHttp({ batch: "demo", warn: (m) => warnings.push(m) }), warnings };
}

async function failure(p: Promise<unknown>): Promise<SourceError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SourceError);
    return e as SourceError;
  }
  throw new Error("expected a SourceError");
}

describe("http.json / http.text", () => {
  it("parses JSON and sends JSON bodies with headers", async () => {
    server = await startReplay([
      { path: "/a", body: { ok: 1 } },
      { method: "POST", path: "/q", body: { results: [[1]] } },
    ]);
    const { http } = client();
    expect(await http.json(`${server.url}/a`)).toEqual({ ok: 1 });
    expect(await http.json(`${server.url}/q`, { json: { query: "x" }, headers: { Authorization: "Bearer k" } })).toEqual({ results: [[1]] });
    expect(server.requests[1]).toMatchObject({ method: "POST", body: '{"query":"x"}' });
    expect(server.requests[1].headers).toMatchObject({ "content-type": "application/json", authorization: "Bearer k" });
  });

  it("says rate limited, with Retry-After or GitHub's reset time", async () => {
    server = await startReplay([
      { path: "/yahoo", status: 429, headers: { "retry-after": "30" }, body: "Too Many Requests" },
      {
        path: "/gh",
        status: 403,
        headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1767225600" },
        body: { message: "API rate limit exceeded" },
      },
    ]);
    const { http } = client();
    const y = await failure(http.text(`${server.url}/yahoo`));
    expect(y.message).toBe(`demo: GET ${server.url}/yahoo: rate limited (HTTP 429 Too Many Requests; retry after 30 s)`);
    const g = await failure(http.json(`${server.url}/gh`));
    expect(g.reason).toBe("rate limited (HTTP 403 Forbidden; limit resets at 2026-01-01T00:00:00.000Z)");
  });

  it("reports other statuses with the start of the body, and bodies that are not JSON", async () => {
    server = await startReplay([
      { path: "/down", status: 503, body: "upstream   timed\nout" },
      { path: "/html", body: "<!DOCTYPE html><html>maintenance</html>" },
      { path: "/empty", body: "" },
    ]);
    const { http } = client();
    expect((await failure(http.json(`${server.url}/down`))).reason).toBe("HTTP 503 Service Unavailable: upstream timed out");
    expect((await failure(http.json(`${server.url}/html`))).reason).toBe(
      'malformed response: not JSON (body starts with "<!DOCTYPE html><html>maintenance</html>")',
    );
    expect((await failure(http.json(`${server.url}/empty`))).reason).toBe("malformed response: not JSON (empty body)");
    // a status the caller expects (a cookie endpoint answering 404) is not an error
    expect((await http.text(`${server.url}/nothing`, { acceptStatus: [404] })).status).toBe(404);
  });

  it("reports a refused connection and a timeout", async () => {
    const gone = await startReplay([]);
    await gone.close(); // nothing listens on its port any more
    server = await startReplay([{ path: "/slow", body: "{}", delayMs: 2000 }]);
    const { http } = client();
    const refused = await failure(http.json(`${gone.url}/nothing`));
    expect(refused.reason).toMatch(/^network error: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
    const slow = await failure(http.json(`${server.url}/slow`, { timeoutMs: 200 }));
    expect(slow.reason).toBe("no answer within 0.2 s (timeout)");
  });

  it("masks secret query values in messages", async () => {
    server = await startReplay([{ path: "/flow", status: 403, body: "Developer Inactive" }]);
    const { http } = client();
    const e = await failure(http.json(`${server.url}/flow?point=1,2&key=abc123secret&unit=KMPH`));
    expect(e.message).toBe(`demo: GET ${server.url}/flow?point=1%2C2&key=***&unit=KMPH: HTTP 403 Forbidden: Developer Inactive`);
    expect(e.message).not.toContain("abc123secret");
    expect(maskUrl("https://u:pw@h/x?crumb=c&a=1")).toBe("https://u:***@h/x?crumb=***&a=1");
    expect(maskUrl("not a url")).toBe("not a url");
  });
});

describe("http.each", () => {
  it("keeps the sources that answered and warns about the others", async () => {
    server = await startReplay([
      { path: "/s/1", body: { v: 1 } },
      { path: "/s/3", body: { v: 3 } },
    ]);
    const { http, warnings } = client();
    const got = await http.each(
      [1, 2, 3],
      (n) => `source ${n}`,
      async (n) => [((await http.json(`${server!.url}/s/${n}`)) as { v: number }).v],
    );
    expect(got).toEqual([1, 3]);
    expect(warnings).toEqual([`source skipped: source 2: GET ${server.url}/s/2: HTTP 404 Not Found: {"error":"no recorded response for GET /s/2"}`]);
  });

  it("fails with every source's reason when none answered", async () => {
    const { http } = client();
    await expect(
      http.each(
        ["a", "b"],
        (s) => s,
        async (s) => {
          throw http.malformed(`https://x/${s}`, "expected a list");
        },
      ),
    ).rejects.toThrow(
      "demo: every source failed:\n  - a: GET https://x/a: malformed response: expected a list\n  - b: GET https://x/b: malformed response: expected a list",
    );
  });
});
