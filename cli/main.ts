// The countersign command line. `serve` runs the server; the rest talk to it over HTTP (cli/run.ts).
import { processIo } from "./io.ts";
import { runCli } from "./run.ts";

// exitCode, not exit(): `serve` keeps the process alive after runCli returns.
process.exitCode = await runCli(process.argv.slice(2), processIo());
