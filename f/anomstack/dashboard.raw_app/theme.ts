// Chart colours of the light and dark themes (those of the original dashboard, plus threshold alerts).
import type { Theme } from "./settings";

export interface Palette {
  background: string;
  text: string;
  primary: string;
  secondary: string;
  /** The score line: the secondary colour, lighter, so the value line stands out. */
  score: string;
  alert: string;
  llmalert: string;
  change: string;
  tholdalert: string;
  grid: string;
}

export const PALETTES: Record<Theme, Palette> = {
  light: {
    background: "#ffffff",
    text: "#64748b",
    primary: "#2563eb",
    secondary: "#64748b",
    score: "rgba(100,116,139,0.75)",
    alert: "#dc2626",
    llmalert: "#fb923c",
    change: "#f97316",
    tholdalert: "#9333ea",
    grid: "rgba(0,0,0,0.1)",
  },
  dark: {
    background: "#1a1a1a",
    text: "#e5e7eb",
    primary: "#3b82f6",
    secondary: "#9ca3af",
    score: "rgba(156,163,175,0.7)",
    alert: "#ef4444",
    llmalert: "#f97316",
    change: "#fb923c",
    tholdalert: "#a855f7",
    grid: "rgba(255,255,255,0.1)",
  },
};
