// Node 20 has no fs.globSync (Node 22 does), which the conformance CLI imports for its triage commands
// only. This loader hook gives it a stand-in that throws if ever called; the server scenarios never do.
import { register } from "node:module";

register(
  `data:text/javascript,${encodeURIComponent(`
    export async function load(url, context, next) {
      const loaded = await next(url, context);
      if (!url.includes("@modelcontextprotocol/conformance/dist/") || loaded.format !== "module") return loaded;
      const source = String(loaded.source);
      const match = /globSync as (\\w+),/.exec(source);
      if (!match) return loaded;
      const stub = "const " + match[1] + " = () => { throw new Error('fs.globSync needs Node 22'); };";
      // After the #! line, which must stay first.
      const body = source.replace(match[0], "");
      const shebang = body.startsWith("#!") ? body.slice(0, body.indexOf("\\n") + 1) : "";
      return { ...loaded, source: shebang + stub + "\\n" + body.slice(shebang.length) };
    }
  `)}`,
);
