// A tiny leveled logger. Jobs log through it so the CLI, tests and Windmill workers choose where lines go.
//nobundling

export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  /** A logger whose lines start with `[scope]`. */
  child(scope: string): Logger;
}

export interface LogLine {
  level: LogLevel;
  scope: string;
  msg: string;
}

/**
 * A logger writing `LEVEL [scope] message` lines to stderr (stdout stays for command output), at or
 * above `level` (default: env ANOMSTACK_LOG_LEVEL, else "info"). `sink` replaces stderr, e.g. in tests.
 */
export function createLogger(opts: { level?: LogLevel; scope?: string; sink?: (line: LogLine) => void } = {}): Logger {
  const envLevel = (typeof process !== "undefined" ? process.env.ANOMSTACK_LOG_LEVEL : undefined) as LogLevel | undefined;
  const level = opts.level ?? (envLevel && envLevel in ORDER ? envLevel : "info");
  const sink = opts.sink ?? ((l: LogLine) => process.stderr.write(`${l.level.toUpperCase().padEnd(5)} ${l.scope ? `[${l.scope}] ` : ""}${l.msg}\n`));
  const make = (scope: string): Logger => {
    const emit = (lv: LogLevel) => (msg: string) => {
      if (ORDER[lv] >= ORDER[level]) sink({ level: lv, scope, msg });
    };
    return {
      debug: emit("debug"),
      info: emit("info"),
      warn: emit("warn"),
      error: emit("error"),
      child: (s: string) => make(scope ? `${scope} ${s}` : s),
    };
  };
  return make(opts.scope ?? "");
}

/** A logger that keeps every line in memory (tests, summaries). */
export function memoryLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = createLogger({ level: "debug", sink: (l) => lines.push(l) });
  return Object.assign(logger, { lines });
}
