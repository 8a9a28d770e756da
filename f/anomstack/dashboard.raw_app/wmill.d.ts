// Types of the `./wmill` module that Windmill (and `anomstack dashboard` locally) provides to the app:
// `backend.<runnable id>(args)` runs backend/<id>.yaml's script and resolves with its result.
export declare const backend: {
  overview: (args: { window?: string; now?: string }) => Promise<unknown>;
  batch: (args: { batch: string; window?: string; now?: string }) => Promise<unknown>;
  feedback: (args: { batch: string; metric: string; timestamp: string; kind: string }) => Promise<unknown>;
};
export declare const backendAsync: Record<string, (args: Record<string, unknown>) => Promise<string>>;
export declare function waitJob(id: string): Promise<unknown>;
export declare function getJob(id: string): Promise<unknown>;
