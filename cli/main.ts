// The countersign command line. `serve` runs the server; the rest talk to it over HTTP.
import { serve } from "../bot/main.ts";

const [command] = process.argv.slice(2);
if (command === "serve") {
  await serve();
} else {
  console.error("usage: countersign serve");
  process.exit(2);
}
