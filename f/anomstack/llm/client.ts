// Claude through @anthropic-ai/sdk: one request = a system prompt, a user message (text, optionally
// the plot) and the forced report_anomalies tool. Timeouts, rate limits (after Retry-After), overload,
// 5xx and malformed answers are retried with back-off up to maxAttempts; other API errors (bad key,
// unknown model, bad request) fail at once. Every error message is redacted (no key ever appears).
//nobundling
import type Anthropic from "@anthropic-ai/sdk";
import { z } from "zod";
import type { LlmSettings } from "../alerts/channel-settings.ts";
import { createRedactor } from "../core/redact.ts";
import type { Logger } from "../core/log.ts";
import { REPORT_TOOL, REPORT_TOOL_NAME, type AnomalyReport } from "./prompts.ts";

/** One question to the model. */
export interface LlmRequest {
  system: string;
  text: string;
  /** PNG sent before the text. */
  image?: Uint8Array;
  /** For messages: "detect" or "verify". */
  step: string;
}

/** What the jobs need from a model: the anomalies it reports for one request. */
export interface LlmClient {
  readonly model: string;
  report(req: LlmRequest): Promise<AnomalyReport[]>;
}

/** The model failed for good on this request (after the retries it deserved). */
export class LlmError extends Error {
  override name = "LlmError";
}

/** The answer was not the structured output asked for. */
class MalformedAnswer extends Error {}

const answerSchema = z.object({
  anomalies: z.array(
    z.object({
      timestamp: z.string().min(1),
      value: z.union([
        z.number(),
        z
          .string()
          .regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/)
          .transform(Number),
      ]),
      explanation: z.string(),
    }),
  ),
});

/** The report_anomalies input of a message, validated. */
export function parseAnswer(msg: {
  content: { type: string; name?: string; input?: unknown; text?: string }[];
  stop_reason?: string | null;
}): AnomalyReport[] {
  const call = msg.content.find((b) => b.type === "tool_use" && b.name === REPORT_TOOL_NAME);
  if (!call) {
    const text = msg.content.find((b) => b.type === "text")?.text ?? "";
    throw new MalformedAnswer(
      `no ${REPORT_TOOL_NAME} call in the answer (stop_reason ${msg.stop_reason ?? "none"}${text ? `, text "${text.slice(0, 120)}"` : ""})`,
    );
  }
  const parsed = answerSchema.safeParse(call.input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MalformedAnswer(`malformed ${REPORT_TOOL_NAME} input: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return parsed.data.anomalies.map((a) => ({ timestamp: a.timestamp.trim(), value: a.value, explanation: a.explanation.trim() }));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Seconds of a Retry-After header (or retry-after-ms), as milliseconds. */
function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get("retry-after-ms"));
  if (Number.isFinite(ms) && ms >= 0 && headers?.get("retry-after-ms") !== null) return ms;
  const s = Number(headers?.get("retry-after"));
  return Number.isFinite(s) && s >= 0 && headers?.get("retry-after") !== null ? s * 1000 : undefined;
}

/** The SDK, loaded by the first request (LLM alerts are off for most batches, and it takes a while to load). */
let sdk: typeof Anthropic | undefined;
async function loadSdk(): Promise<typeof Anthropic> {
  return (sdk ??= (await import("@anthropic-ai/sdk")).default);
}

/** Is the error worth another attempt, and why did it happen (for messages)? */
function classify(e: unknown, timeoutMs: number): { retry: boolean; reason: string; waitMs?: number } {
  if (e instanceof MalformedAnswer) return { retry: true, reason: e.message };
  // Only requests throw the SDK's errors, and a request has loaded it.
  const Anthropic = sdk;
  if (!Anthropic) return { retry: false, reason: e instanceof Error ? e.message : String(e) };
  if (e instanceof Anthropic.APIConnectionTimeoutError) return { retry: true, reason: `timed out after ${timeoutMs / 1000} s` };
  if (e instanceof Anthropic.APIConnectionError) return { retry: true, reason: `connection failed: ${e.message}` };
  if (e instanceof Anthropic.APIError) {
    const detail = `${e.status ?? ""} ${e.type ?? ""}${e.apiMessage ? `: ${e.apiMessage}` : ""}`.trim();
    if (e.status === 429) return { retry: true, reason: `rate limited (${detail})`, waitMs: retryAfterMs(e.headers) };
    if (e.status !== undefined && (e.status >= 500 || e.status === 408 || e.status === 409))
      return { retry: true, reason: `server error (${detail})`, waitMs: retryAfterMs(e.headers) };
    if (e.status === 401) return { retry: false, reason: `the Anthropic API key was refused (${detail})` };
    if (e.status === 404) return { retry: false, reason: `not found (${detail}); is llmalert_model a valid model name?` };
    return { retry: false, reason: `request refused (${detail})` };
  }
  return { retry: false, reason: e instanceof Error ? e.message : String(e) };
}

/** A Claude client for one model. */
export function createClaudeClient(settings: LlmSettings, model: string, log?: Logger): LlmClient {
  const redact = createRedactor([settings.apiKey]);
  let client: Anthropic | undefined;
  const claude = async () =>
    (client ??= new (await loadSdk())({ apiKey: settings.apiKey, baseURL: settings.baseUrl, maxRetries: 0, timeout: settings.timeoutMs }));
  return {
    model,
    async report(req) {
      const content: Anthropic.ContentBlockParam[] = [];
      if (req.image)
        content.push({ type: "image", source: { type: "base64", media_type: "image/png", data: Buffer.from(req.image).toString("base64") } });
      content.push({ type: "text", text: req.text });
      let last = "";
      for (let attempt = 1; attempt <= settings.maxAttempts; attempt++) {
        try {
          const msg = await (await claude()).messages.create({
            model,
            max_tokens: 4096,
            system: req.system,
            tools: [REPORT_TOOL],
            tool_choice: { type: "tool", name: REPORT_TOOL_NAME },
            messages: [{ role: "user", content }],
          });
          return parseAnswer(msg as unknown as Parameters<typeof parseAnswer>[0]);
        } catch (e) {
          const c = classify(e, settings.timeoutMs);
          last = redact(c.reason);
          if (!c.retry) throw new LlmError(`${req.step}: ${last}`);
          if (attempt === settings.maxAttempts) break;
          const wait = Math.min(c.waitMs ?? settings.retryMinMs * 2 ** (attempt - 1), 60_000);
          log?.debug(`${req.step}: attempt ${attempt} of ${settings.maxAttempts} failed (${last}); retrying in ${wait} ms`);
          await sleep(wait);
        }
      }
      throw new LlmError(`${req.step}: failed after ${settings.maxAttempts} attempt(s): ${last}`);
    },
  };
}
