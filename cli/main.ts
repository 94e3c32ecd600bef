// The countersign command line. `serve` runs the server; the rest talk to it over HTTP (cli/run.ts).
import { processIo } from "./io.ts";
import { runCli } from "./run.ts";

// `countersign approvals ls | head`: a reader that stops early is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

// exitCode, not exit(): `serve` keeps the process alive after runCli returns.
process.exitCode = await runCli(process.argv.slice(2), processIo());
