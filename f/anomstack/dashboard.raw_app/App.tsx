// Anomstack dashboard: the home page (one card per batch) and a page per batch (charts or the anomaly
// list), with the window, theme, sort and chart size kept per person in the browser. Pages are hash
// routes (#/, #/batch/<name>, #/batch/<name>/anomalies), so the app works inside Windmill's iframe.
import type React from "react";
import { useCallback, useEffect, useState } from "react";
import { BatchPage } from "./BatchPage";
import { Home } from "./Home";
import { parseRoute, type Route } from "./route";
import { WINDOW_RE, loadSettings, normalizeWindow, saveSettings, type Settings } from "./settings";

function WindowInput({ value, onChange }: { value: string; onChange: (w: string) => void }): React.JSX.Element {
  const [text, setText] = useState(value);
  const [bad, setBad] = useState(false);
  useEffect(() => setText(value), [value]);
  const apply = () => {
    const w = normalizeWindow(text);
    if (!WINDOW_RE.test(w) || /^0+[nmhd]?$/.test(w)) {
      setBad(true);
      return;
    }
    setBad(false);
    if (w !== value) onChange(w);
  };
  return (
    <span className="window-input">
      <label>
        Window
        <input
          aria-label="Window"
          aria-invalid={bad}
          list="window-choices"
          value={text}
          size={6}
          onChange={(e) => setText(e.target.value)}
          onBlur={apply}
          onKeyDown={(e) => e.key === "Enter" && apply()}
        />
      </label>
      <datalist id="window-choices">
        <option value="90n" />
        <option value="500n" />
        <option value="45m" />
        <option value="24h" />
        <option value="7d" />
      </datalist>
      {bad && (
        <span className="field-error" role="alert" data-testid="window-error">
          Use 90n (newest points), 45m, 24h or 7d
        </span>
      )}
    </span>
  );
}

function Logo(): React.JSX.Element {
  return (
    <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true">
      <polyline
        points="2,16 7,12 11,14 15,5 19,11 22,9"
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
        strokeLinejoin="round"
        strokeLinecap="round"
      />
      <circle cx="15" cy="5" r="2.6" fill="var(--alert)" />
    </svg>
  );
}

function Icon({ name }: { name: "sun" | "moon" | "refresh" }): React.JSX.Element {
  return (
    <svg
      width="18"
      height="18"
      viewBox="0 0 24 24"
      aria-hidden="true"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      {name === "sun" && (
        <>
          <circle cx="12" cy="12" r="4.2" />
          <path d="M12 2v2.5M12 19.5V22M2 12h2.5M19.5 12H22M4.9 4.9l1.8 1.8M17.3 17.3l1.8 1.8M4.9 19.1l1.8-1.8M17.3 6.7l1.8-1.8" />
        </>
      )}
      {name === "moon" && <path d="M20.5 14.5A8.5 8.5 0 0 1 9.5 3.5a8.5 8.5 0 1 0 11 11z" />}
      {name === "refresh" && (
        <>
          <path d="M20 11a8 8 0 1 0-2.3 5.7" />
          <path d="M20 4v7h-7" />
        </>
      )}
    </svg>
  );
}

export default function App(): React.JSX.Element {
  const [settings, setSettings] = useState<Settings>(loadSettings);
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.hash));
  const [refreshKey, setRefreshKey] = useState(0);
  const update = useCallback((s: Partial<Settings>) => setSettings((old) => ({ ...old, ...s })), []);

  useEffect(() => {
    const onHash = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  useEffect(() => {
    document.documentElement.classList.toggle("dark", settings.theme === "dark");
    document.documentElement.style.colorScheme = settings.theme;
    saveSettings(settings);
  }, [settings]);

  const dark = settings.theme === "dark";
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/">
          <Logo />
          Anomstack
        </a>
        <span className="spacer" />
        <WindowInput value={settings.window} onChange={(w) => update({ window: w })} />
        <button type="button" className="btn icon" title="Reload the data" aria-label="Refresh" onClick={() => setRefreshKey((k) => k + 1)}>
          <Icon name="refresh" />
        </button>
        <button
          type="button"
          className="btn icon"
          data-testid="theme-toggle"
          aria-label={dark ? "Switch to light mode" : "Switch to dark mode"}
          title={dark ? "Light mode" : "Dark mode"}
          onClick={() => update({ theme: dark ? "light" : "dark" })}
        >
          <Icon name={dark ? "sun" : "moon"} />
        </button>
      </header>
      {route.page === "home" ? (
        <Home windowSpec={settings.window} refreshKey={refreshKey} />
      ) : (
        <BatchPage key={route.batch} batch={route.batch} view={route.view} settings={settings} update={update} refreshKey={refreshKey} />
      )}
    </div>
  );
}
