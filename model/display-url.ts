// A tool's or McpServer's URL as errors, logs and views show it. Credentials in it — user-info or
// query values (`?api_key=…`) — are the tool's, not the reader's: the address stays, the values go.

/** `https://host/path?api_key=…&mode=…`: no user-info, each query value replaced by an ellipsis. */
export function displayUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "(an unreadable URL)";
  }
  const keys = [...url.searchParams.keys()];
  const query = keys.length > 0 ? `?${keys.map((k) => `${encodeURIComponent(k)}=…`).join("&")}` : "";
  return `${url.protocol}//${url.host}${url.pathname}${query}`;
}
