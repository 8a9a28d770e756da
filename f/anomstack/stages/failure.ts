// Failure notices of the generated flows: one short message with the batch, the job, the error and a
// link to the run, written to the log (and delivered through the alert channels where configured).
//nobundling
import { settingsToEnv, type C_anomstack_settings } from "../config/settings-resource.ts";
import { sendFailureNotice } from "./notices.ts";
import type { NoticeDelivery } from "../alerts/channels.ts";
import type { Env } from "../core/env.ts";

export interface FailureNotice {
  batch: string;
  job: string;
  error: string;
  runUrl?: string;
  settings?: C_anomstack_settings | null;
}

/** The Windmill run page of the current flow, from the job's environment (empty when unknown). */
export function runUrlFromEnv(env: Env): string {
  const id = env.WM_ROOT_FLOW_JOB_ID || env.WM_FLOW_JOB_ID || env.WM_JOB_ID;
  const base = (env.WM_BASE_URL || env.BASE_URL || "").replace(/\/+$/, "");
  if (!id || !base) return "";
  return `${base}/run/${id}${env.WM_WORKSPACE ? `?workspace=${encodeURIComponent(env.WM_WORKSPACE)}` : ""}`;
}

/**
 * Log the failure notice, send it through the configured alert channels (email, Slack; see
 * stages/notices.ts) and return what was said and where it went.
 */
export async function failureNotice(n: FailureNotice): Promise<{ title: string; text: string } & NoticeDelivery> {
  settingsToEnv(n.settings); // validates the resource's shape before anything is said
  return sendFailureNotice({ batch: n.batch, job: n.job, error: n.error, runUrl: n.runUrl, settings: n.settings });
}
