// Ingest of the eirgrid example: for each area of EirGrid's Smart Grid Dashboard (actual demand, actual
// generation, actual wind, frequency), today's rows for all of Ireland; the newest row with a value becomes
// `eirgrid_<field name, lower case>` (e.g. eirgrid_system_demand). EirGrid gives Irish local times
// ("06-Mar-2024 10:15:00"): they are stored as UTC instants.
import type { IngestArgs, IngestRow } from "../../../f/anomstack/core/batch-api.ts";

const DEFAULT_URL = "https://www.smartgriddashboard.com";
export const AREAS = ["demandactual", "generationactual", "windactual", "frequency"];
const ZONE = "Europe/Dublin";
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const zoned = new Intl.DateTimeFormat("en-GB", {
  timeZone: ZONE,
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** Irish wall-clock fields of an instant. */
function irishParts(ms: number): number[] {
  const p = Object.fromEntries(zoned.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return [Number(p.year), Number(p.month), Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)];
}

/** The instant of an Irish wall-clock time (the offset found in two steps, as it changes at most once). */
export function irishToUtc(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const offset = (t: number) => {
    const [py, pm, pd, ph, pmi, ps] = irishParts(t);
    return Date.UTC(py, pm - 1, pd, ph, pmi, ps) - t;
  };
  const first = wall - offset(wall);
  return wall - offset(first);
}

/** "06-Mar-2024 10:15:00" (Irish time) as epoch ms, or NaN. */
function parseEffectiveTime(text: unknown): number {
  const m = typeof text === "string" ? /^(\d{2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(text) : null;
  const month = m ? MONTHS.indexOf(m[2]) + 1 : 0;
  if (!m || month === 0) return Number.NaN;
  return irishToUtc(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
}

export async function ingest({ now, env, http }: IngestArgs): Promise<IngestRow[]> {
  const base = (env.ANOMSTACK_EXAMPLE_EIRGRID_URL || DEFAULT_URL).replace(/\/+$/, "");
  const [y, mo, d] = irishParts(now.getTime());
  const today = `${String(d).padStart(2, "0")}-${MONTHS[mo - 1]}-${y}`;
  return http.each(
    AREAS,
    (area) => `area ${area}`,
    async (area) => {
      const url = `${base}/DashboardService.svc/data?area=${area}&region=ALL&datefrom=${today}+00%3A00&dateto=${today}+23%3A59`;
      const answer = (await http.json(url)) as { Rows?: unknown; Status?: unknown; ErrorMessage?: unknown } | null;
      if (!Array.isArray(answer?.Rows)) {
        throw http.malformed(url, `expected "Rows"${answer?.ErrorMessage ? ` (the API says: ${String(answer.ErrorMessage)})` : ""}`);
      }
      let latest: { ts: number; name: string; value: number } | undefined;
      for (const row of answer.Rows as { EffectiveTime?: unknown; FieldName?: unknown; Value?: unknown }[]) {
        const ts = parseEffectiveTime(row?.EffectiveTime);
        if (typeof row?.Value !== "number" || typeof row.FieldName !== "string" || !Number.isFinite(ts)) continue;
        if (!latest || ts > latest.ts) latest = { ts, name: row.FieldName, value: row.Value };
      }
      // Early in the day an area may have no value yet: nothing for it this run.
      return latest
        ? [{ metric_timestamp: new Date(latest.ts), metric_name: `eirgrid_${latest.name.toLowerCase()}`, metric_value: latest.value }]
        : [];
    },
  );
}
