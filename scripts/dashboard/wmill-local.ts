// The local stand-in for Windmill's `./wmill` module, bundled into the app by `anomstack dashboard` in
// place of the one Windmill injects: `backend.<id>(args)` POSTs the arguments to the local server,
// which runs the script that backend/<id>.yaml names (the same script Windmill runs) and returns
// its result. Runs in the browser.

async function call(runnableId: string, args: unknown): Promise<unknown> {
  const res = await fetch(`api/backend/${encodeURIComponent(runnableId)}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    credentials: "same-origin",
    body: JSON.stringify(args ?? {}),
  });
  const text = await res.text();
  let body: { result?: unknown; error?: string } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`${runnableId}: HTTP ${res.status} ${text.slice(0, 200)}`);
  }
  if (!res.ok) throw new Error(body.error ?? `${runnableId}: HTTP ${res.status}`);
  return body.result;
}

export const backend: Record<string, (args?: unknown) => Promise<unknown>> = new Proxy(
  {},
  { get: (_t, id: string) => (args?: unknown) => call(id, args) },
);

// Jobs started with backendAsync: the local server answers at once, so a job is a settled promise.
const jobs = new Map<string, { promise: Promise<unknown>; started: number; done?: { success: boolean; result: unknown; ms: number } }>();

export const backendAsync: Record<string, (args?: unknown) => Promise<string>> = new Proxy(
  {},
  {
    get: (_t, id: string) => async (args?: unknown) => {
      const jobId = `local-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
      const started = Date.now();
      const job: { promise: Promise<unknown>; started: number; done?: { success: boolean; result: unknown; ms: number } } = {
        promise: Promise.resolve(),
        started,
      };
      job.promise = call(id, args).then(
        (result) => (job.done = { success: true, result, ms: Date.now() - started }),
        (e: Error) => (job.done = { success: false, result: { message: e.message }, ms: Date.now() - started }),
      );
      jobs.set(jobId, job);
      return jobId;
    },
  },
);

function jobView(id: string) {
  const j = jobs.get(id);
  if (!j) throw new Error(`unknown job ${id}`);
  return {
    type: j.done ? "CompletedJob" : "QueuedJob",
    id,
    created_at: j.started,
    started_at: j.started,
    duration_ms: j.done?.ms ?? 0,
    success: j.done?.success ?? false,
    args: undefined,
    result: j.done?.result,
  };
}

export async function waitJob(id: string) {
  const j = jobs.get(id);
  if (!j) throw new Error(`unknown job ${id}`);
  await j.promise;
  return jobView(id);
}

export async function getJob(id: string) {
  return jobView(id);
}

export async function streamJob(id: string): Promise<unknown> {
  return (await waitJob(id)).result;
}
