// The app's pages as hash routes (#/, #/batch/<name>, #/batch/<name>/anomalies): they work inside
// Windmill's iframe and need nothing from the server.
export type Route = { page: "home" } | { page: "batch"; batch: string; view: "charts" | "anomalies" };

export function parseRoute(hash: string): Route {
  const m = /^#\/batch\/([^/]+)(\/anomalies)?\/?$/.exec(hash);
  if (m) {
    try {
      return { page: "batch", batch: decodeURIComponent(m[1]), view: m[2] ? "anomalies" : "charts" };
    } catch {
      return { page: "home" };
    }
  }
  return { page: "home" };
}
