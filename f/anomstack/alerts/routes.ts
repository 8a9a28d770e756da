// Which channels and destinations one alert goes to: the methods of alert_methods / tholdalert_methods,
// each channel's default destination, and the batch's alert_routes matched against the alert's tags
// (metric_tags plus metric_batch, metric_name, alert_type). Pure: no I/O.
//nobundling
import { closest } from "fastest-levenshtein";
import type { AlertChannel, TagValue } from "./channel.ts";
import { splitAddresses } from "./channel-settings.ts";

/** Methods alert_methods may name. */
export const ALERT_METHODS = ["email", "slack"] as const;
export type AlertMethod = (typeof ALERT_METHODS)[number];

/** One entry of `alert_routes` (see defaults.yaml and docs/alerts.md). */
export interface AlertRoute {
  /** Tags the alert must have (every key; a list matches any of its values). Absent or {} = every alert. */
  match?: Record<string, TagValue | TagValue[]>;
  /** Extra email recipients (a list, or one comma-separated string). */
  email_to?: string | string[];
  /** Extra Slack channel(s), by name or ID. */
  slack_channel?: string | string[];
  /** The route's destinations replace the default ones instead of adding to them. */
  replace?: boolean;
}

/** Where one alert is to be sent, by one channel; `failed`/`skipped` ones are never sent. */
export interface PlannedDelivery {
  channel: string;
  /** Channel-specific destination: comma-separated addresses (email), a channel name or ID (Slack). */
  to: string;
  status: "pending" | "failed" | "skipped";
  error?: string;
}

const ENV_HINT: Record<AlertMethod, string> = {
  email: "set ANOMSTACK_ALERT_EMAIL_FROM and ANOMSTACK_ALERT_EMAIL_TO (and the SMTP host, port and password)",
  slack: "set ANOMSTACK_SLACK_BOT_TOKEN and ANOMSTACK_SLACK_CHANNEL",
};

/**
 * Method names of an alert_methods value: comma or space separated, lower-cased, without repeats.
 * @example parseMethods("Email, slack,email") // => ["email", "slack"]
 */
export function parseMethods(spec: string): string[] {
  return [
    ...new Set(
      spec
        .split(/[\s,;]+/)
        .map((s) => s.trim().toLowerCase())
        .filter((s) => s !== ""),
    ),
  ];
}

/** True when every `match` entry equals (or, for a list, includes) the alert's tag, compared as text. */
export function routeMatches(route: AlertRoute, tags: Record<string, TagValue>): boolean {
  return Object.entries(route.match ?? {}).every(([k, want]) => {
    const have = tags[k];
    if (have === undefined) return false;
    return (Array.isArray(want) ? want : [want]).some((w) => String(w) === String(have));
  });
}

function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Slack channel names compare without a leading # and case-insensitively (IDs are upper-case). */
function slackKey(c: string): string {
  return c.trim().replace(/^#/, "").toLowerCase();
}

/**
 * Plan the deliveries of one alert. Each method becomes one delivery per destination (one email to all
 * recipients; one message per Slack channel). Unknown methods fail; methods whose channel is not
 * configured are skipped; both come with a reason. `problem` is set when nothing at all will be sent.
 */
export function planDeliveries(
  methodsSpec: string,
  methodsKey: string,
  tags: Record<string, TagValue>,
  routes: readonly AlertRoute[],
  channels: ReadonlyMap<string, AlertChannel>,
): { deliveries: PlannedDelivery[]; problem?: string } {
  const methods = parseMethods(methodsSpec);
  if (methods.length === 0) return { deliveries: [], problem: `no alert method configured (${methodsKey} is empty)` };
  const matching = routes.filter((r) => routeMatches(r, tags));
  const deliveries: PlannedDelivery[] = [];
  for (const m of methods) {
    const channel = channels.get(m);
    const known = (ALERT_METHODS as readonly string[]).includes(m);
    if (!known && !channel) {
      const near = closest(m, [...ALERT_METHODS]);
      deliveries.push({
        channel: m,
        to: "",
        status: "failed",
        error: `unknown alert method "${m}" in ${methodsKey} (valid: ${ALERT_METHODS.join(", ")}); did you mean "${near}"?`,
      });
      continue;
    }
    if (!channel) {
      deliveries.push({ channel: m, to: "", status: "skipped", error: `${m} is not configured (${ENV_HINT[m as AlertMethod]})` });
      continue;
    }
    const field = m === "email" ? "email_to" : m === "slack" ? "slack_channel" : undefined;
    const routed = field ? matching.flatMap((r) => list(r[field])) : [];
    const replace = field !== undefined && matching.some((r) => r.replace && r[field] !== undefined);
    const all = [...(replace || !channel.defaultDestination ? [] : [channel.defaultDestination]), ...routed];
    if (m === "email") {
      const to = splitAddresses(all);
      if (to.length) deliveries.push({ channel: m, to: to.join(", "), status: "pending" });
      else
        deliveries.push({
          channel: m,
          to: "",
          status: "failed",
          error: "no email recipients (set ANOMSTACK_ALERT_EMAIL_TO or an alert route's email_to)",
        });
    } else {
      const seen = new Set<string>();
      const targets = m === "slack" ? all.filter((c) => c.trim() !== "" && !seen.has(slackKey(c)) && seen.add(slackKey(c))) : [...new Set(all)];
      if (targets.length === 0) {
        deliveries.push({
          channel: m,
          to: "",
          status: "failed",
          error: `no ${m} destination (set ANOMSTACK_SLACK_CHANNEL or an alert route's slack_channel)`,
        });
      }
      for (const to of targets) deliveries.push({ channel: m, to, status: "pending" });
    }
  }
  if (!deliveries.some((d) => d.status === "pending")) {
    const why = deliveries
      .map((d) => d.error)
      .filter(Boolean)
      .join("; ");
    return { deliveries, problem: `no alert method configured: ${why}` };
  }
  return { deliveries };
}
