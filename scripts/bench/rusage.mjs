// Preloaded (`node --import`) into each CLI process of `npm run bench:scale`: at exit, writes the
// process's own resource usage (CPU of all its threads, DuckDB's included, and peak RSS) to the file
// named by ANOMSTACK_BENCH_RUSAGE, so the bench reports CPU seconds and memory per job.
import fs from "node:fs";

const file = process.env.ANOMSTACK_BENCH_RUSAGE;
if (file) {
  process.on("exit", () => {
    const u = process.resourceUsage();
    fs.writeFileSync(file, JSON.stringify({ user_us: u.userCPUTime, sys_us: u.systemCPUTime, max_rss_kb: u.maxRSS }));
  });
}
