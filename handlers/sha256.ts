// SHA-256 as lowercase hex: API keys, console session tokens and tool-call requests are known by it.
import crypto from "node:crypto";

// crypto.hash (Node 20.12+) digests in one native call, without the Hash object createHash makes: the key
// check and the request hash run on every allowed call. An older Node 20 takes the longer way.
export const sha256Hex: (text: string) => string =
  typeof crypto.hash === "function"
    ? (text) => crypto.hash("sha256", text, "hex")
    : (text) => crypto.createHash("sha256").update(text).digest("hex");
