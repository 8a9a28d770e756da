// Imported first by index.tsx: asks for the page's data at once, while React loads and renders.
import { api, batchKey, overviewKey, startEarly } from "./api";
import { parseRoute } from "./route";
import { loadSettings } from "./settings";

const route = parseRoute(window.location.hash);
const { window: span } = loadSettings();
if (route.page === "batch") startEarly(batchKey(route.batch, span), () => api.batch({ batch: route.batch, window: span }));
else startEarly(overviewKey(span), () => api.overview({ window: span }));
