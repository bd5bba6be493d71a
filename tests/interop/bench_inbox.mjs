// Fedify's inbox beside ours in benchmarks/bench.py (the same signed deliveries, the same run).
//
//   node bench_inbox.mjs PORT KEYS_PORT SIGNERS_JSON
//
// PORT: a Fedify federation whose shared inbox (/inbox) accepts the deliveries: Fedify checks the
// Digest, verifies the draft-cavage signature with the signer's key and checks the signer is the
// activity's actor before the listener runs; the listener counts the Create (in memory, as
// Fedify's MemoryKvStore keeps the keys and the activity ids it has seen).
// KEYS_PORT: the signers' actor documents (SIGNERS_JSON: a file with a list of them), so that
// Fedify fetches each key once, in the warm-up, and has it cached afterwards as we do.
// GET /count on PORT answers how many Creates the listener saw. Exits when stdin closes.

import http from "node:http";
import { readFileSync } from "node:fs";
import process from "node:process";
import { createFederation, MemoryKvStore } from "@fedify/fedify";
import { Create } from "@fedify/vocab";

const [port, keysPort] = [Number(process.argv[2]), Number(process.argv[3])];
const signers = JSON.parse(readFileSync(process.argv[4], "utf8"));
const origin = `http://127.0.0.1:${port}`;
let created = 0;

const federation = createFederation({ kv: new MemoryKvStore(), origin, allowPrivateAddress: true });
federation.setActorDispatcher("/users/{identifier}", async () => null);
federation.setInboxListeners("/users/{identifier}/inbox", "/inbox").on(Create, async () => { created += 1; });

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

// Node's http server to the Fetch API objects Fedify works with (as tests/interop/fedify_peer.mjs).
http.createServer(async (req, res) => {
  try {
    const body = await readBody(req);
    if (req.url === "/count") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ created }));
      return;
    }
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const response = await federation.fetch(
      new Request(new URL(req.url, origin), { method: req.method, headers, body: hasBody ? body : undefined }),
      { contextData: undefined, onNotFound: () => new Response("not found", { status: 404 }),
        onNotAcceptable: () => new Response("not acceptable", { status: 406 }) },
    );
    res.writeHead(response.status, [...response.headers].flat());
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (error) {
    console.error("bench_inbox: request failed", error);
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
    res.end(String(error));
  }
}).listen(port, "127.0.0.1");

const documents = new Map(signers.map((doc) => [new URL(doc.id).pathname, JSON.stringify(doc)]));
http.createServer(async (req, res) => {
  await readBody(req);
  const doc = documents.get(new URL(req.url, "http://x").pathname);
  res.writeHead(doc ? 200 : 404, { "content-type": "application/activity+json" });
  res.end(doc ?? "{}");
}).listen(keysPort, "127.0.0.1");

process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
