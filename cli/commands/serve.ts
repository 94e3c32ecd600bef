// countersign serve: the server itself (bot/main.ts), loaded only for this command so the others start fast.
import type { Command } from "commander";
import type { Io } from "../io.ts";
import { examples } from "./shared.ts";

export function serveCommand(program: Command, io: Io): void {
  examples(
    program
      .command("serve")
      .description("run the Countersign server (configured by environment variables, see the README)")
      .action(async () => {
        const { serve } = await import("../../bot/main.ts");
        await serve(io.env);
      }),
    "countersign serve",
    "PORT=9090 COUNTERSIGN_DATA_DIR=/var/lib/countersign countersign serve",
  );
}
