// Per-person dashboard settings, kept in the browser (localStorage): theme, window, sort and chart size.
export type Theme = "light" | "dark";
export type SortKey = "anomaly" | "score" | "name";
export type ChartSize = "small" | "large";

export interface Settings {
  theme: Theme;
  window: string;
  sort: SortKey;
  size: ChartSize;
}

const KEY = "anomstack.dashboard.settings.v1";

function systemTheme(): Theme {
  try {
    return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  } catch {
    return "light";
  }
}

export function defaultSettings(): Settings {
  return { theme: systemTheme(), window: "90n", sort: "anomaly", size: "small" };
}

export function loadSettings(): Settings {
  const d = defaultSettings();
  try {
    const raw = JSON.parse(window.localStorage.getItem(KEY) ?? "{}") as Partial<Settings>;
    return {
      theme: raw.theme === "dark" || raw.theme === "light" ? raw.theme : d.theme,
      window: typeof raw.window === "string" && WINDOW_RE.test(raw.window) ? raw.window : d.window,
      sort: raw.sort === "score" || raw.sort === "name" || raw.sort === "anomaly" ? raw.sort : d.sort,
      size: raw.size === "large" || raw.size === "small" ? raw.size : d.size,
    };
  } catch {
    return d; // storage blocked (sandboxed iframe, private mode): defaults, not an error
  }
}

export function saveSettings(s: Settings): void {
  try {
    window.localStorage.setItem(KEY, JSON.stringify(s));
  } catch {
    // storage blocked: settings last for this visit only
  }
}

/** A window: `90n` (newest points), `45m`, `24h`, `7d`, or a bare number of points. */
export const WINDOW_RE = /^\d{1,9}[nNmhd]?$/;

/** `90` → `90n`; `90N` → `90n`. */
export function normalizeWindow(w: string): string {
  const s = w.trim();
  return /^\d+$/.test(s) ? `${s}n` : s.replace(/N$/, "n");
}
