// How the signed-request senders (slack-request.ts, teams-request.ts) read our server's answer: JSON when
// it is JSON, the text as it is otherwise, and "" for an empty body (an ack with nothing to say).
export async function readReply(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return text ? JSON.parse(text) : "";
  } catch {
    return text;
  }
}
