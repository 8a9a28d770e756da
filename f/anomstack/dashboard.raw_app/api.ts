// The app's backend calls, typed: each runs one of the project's scripts (backend/*.yaml) through
// Windmill's `./wmill` module (in Windmill) or the local server's shim of it (`anomstack dashboard`).
import { backend } from "./wmill";
import type { BatchView, FeedbackKind, FeedbackResult, Overview } from "../dashboard/types.ts";

export type { BatchCard, BatchView, FeedbackKind, FeedbackResult, MetricSeries, Overview } from "../dashboard/types.ts";

export const api = {
  overview: (args: { window: string }) => backend.overview(args) as Promise<Overview>,
  batch: (args: { batch: string; window: string }) => backend.batch(args) as Promise<BatchView>,
  feedback: (args: { batch: string; metric: string; timestamp: string; kind: FeedbackKind }) => backend.feedback(args) as Promise<FeedbackResult>,
};

/** The text of an error from a backend call (Windmill wraps script errors; keep the script's message). */
export function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/^(Error|DashboardInputError): /, "");
}

// A call started while the page loads (before React renders), taken by the first page that needs it.
const early = new Map<string, Promise<unknown>>();

/** Start a call now; the first `takeEarly(key)` gets its promise. */
export function startEarly(key: string, call: () => Promise<unknown>): void {
  const p = call();
  p.catch(() => undefined); // a failure is reported by the page that takes it
  early.set(key, p);
}

export function takeEarly<T>(key: string): Promise<T> | undefined {
  const p = early.get(key) as Promise<T> | undefined;
  early.delete(key);
  return p;
}

export const overviewKey = (window: string) => `overview\u0001${window}`;
export const batchKey = (batch: string, window: string) => `batch\u0001${batch}\u0001${window}`;
