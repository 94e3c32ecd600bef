// countersign mcp stdio SERVER: for desktop MCP clients configured with a command.
import type { Command } from "commander";
import { serverUrl } from "../client.ts";
import { CliError } from "../errors.ts";
import type { Io } from "../io.ts";
import { examples } from "./shared.ts";

export function mcpCommand(program: Command, io: Io): void {
  const mcp = program.command("mcp").description("the MCP gateway, for MCP clients");
  examples(mcp, "countersign mcp stdio billing    # with COUNTERSIGN_URL and an agent's COUNTERSIGN_KEY");
  examples(
    mcp
      .command("stdio")
      .description(
        "bridge stdin/stdout to COUNTERSIGN_URL/mcp/SERVER with the agent key in COUNTERSIGN_KEY, " +
          "for MCP clients that start a command",
      )
      .argument("<server>", "the McpServer's name, as in /mcp/SERVER")
      .action(async (server: string) => {
        const key = io.env.COUNTERSIGN_KEY?.trim();
        if (!key) {
          throw new CliError(
            "no API key: set COUNTERSIGN_KEY to an agent key (create one with: countersign keys create --agent NAME)",
          );
        }
        if (!io.streams) throw new CliError("countersign mcp stdio needs the process's own stdin and stdout");
        const url = new URL(`${serverUrl(io.env)}/mcp/${encodeURIComponent(server)}`);
        const { bridge } = await import("../mcp/bridge.ts");
        await bridge({ url, key, ...io.streams, say: (line) => io.err(`${line}\n`) });
      }),
    "countersign mcp stdio billing    # with COUNTERSIGN_URL and an agent's COUNTERSIGN_KEY",
  );
}
