// The MCP gateway through the official SDK Client over Streamable HTTP at /mcp/SERVER (the shared cases
// in test/helpers/mcp-cases.ts), and what only HTTP shows: keys and sessions, server-everything answered
// as it answers directly, passed-through methods, tasks.
import { describe } from "vitest";
import { backend } from "../helpers/db.ts";
import { mcpCases } from "../helpers/mcp-cases.ts";

describe(`MCP gateway over Streamable HTTP (${backend})`, () => {
  mcpCases((w, server) => w.http(server));
});
