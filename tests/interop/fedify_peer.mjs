// A small ActivityPub server built on Fedify, for tests/interop/test_fedify.py.
//
//   node fedify_peer.mjs PORT [MAX_SECONDS]
//
// Serves one actor, "ada", over plain HTTP on 127.0.0.1:PORT, with an RSA key (HTTP
// Signatures) and an Ed25519 key (Object Integrity Proofs), both listed in `publicKey`
// and as `assertionMethod` Multikeys. Everything is in memory. Fedify verifies the HTTP
// signature of every delivery before a listener runs, so what `received` lists was
// verified; deliveries it refused are listed in `unverified`.
//
// The test drives it through /control/*, on the same server:
//   GET  /control/state                       what the inbox received, followers, following
//   POST /control/follow   {target, signed}   Follow an actor id (looked up signed if asked); `following` notes its Accept
//   POST /control/unfollow {target}           Undo that Follow
//   POST /control/note     {to, content, inbox}  Create(Note) addressed to one actor (to `inbox` unlooked-up)
//   POST /control/public-note {content}       public Create(Note) fanned out to the followers
//   POST /control/like     {object, owner}    Like an object, sent to its owner
//   POST /control/vote     {question, name, owner}  vote in a poll (Create of a Note named after the option)
//   POST /control/lookup   {id, signed}       fetch (signed unless signed: false) and parse a document
//   POST /control/followers-page {url}        sig9421: a signed GET of a collection page, its status
//   POST /control/aliases  {aliases}          ada's alsoKnownAs (so that an account elsewhere may move to ada)
//   POST /control/move     {target}           ada moves to `target`: movedTo set, Move sent to the followers
//
// On a Move from an actor ada follows, ada does what Mastodon does: it fetches the target, and if
// the target lists the old actor in alsoKnownAs (and has not moved itself), follows the target and
// undoes its Follow of the old actor; `moves` in the state says what it made of each Move.
//   POST /control/verify-proof, verify-ld, sign-ld   object proofs and LD signatures (see below)
//
// It exits when its standard input closes (the test died) or after MAX_SECONDS (default 300).

import { AsyncLocalStorage } from "node:async_hooks";
import http from "node:http";
import process from "node:process";
import { Temporal } from "@js-temporal/polyfill";
import { configure, getConsoleSink } from "@logtape/logtape";
import { createFederation, generateCryptoKeyPair, importJwk, MemoryKvStore } from "@fedify/fedify";
import {
  Accept, Activity, Create, Endpoints, Follow, isActor, Like, Mention, Move, Note, Person,
  PUBLIC_COLLECTION, Reject, Undo,
} from "@fedify/vocab";

const port = Number(process.argv[2] ?? process.env.FEDIFY_PEER_PORT);
const maxSeconds = Number(process.argv[3] ?? 300);
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: node fedify_peer.mjs PORT [MAX_SECONDS]");
  process.exit(2);
}
const origin = `http://127.0.0.1:${port}`;
const NAME = "ada";

await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: { console: getConsoleSink() },
  loggers: [
    { category: "fedify", sinks: ["console"], lowestLevel: process.env.FEDIFY_PEER_DEBUG ? "debug" : "warning" },
    { category: ["logtape", "meta"], sinks: ["console"], lowestLevel: "warning" },
  ],
});

// The RSA key pair comes from the test process when it gives one (FEDIFY_PEER_RSA_JWK, a private JWK made
// once per test process): generating RSA-2048 here took 2-8 s of a loaded machine at every start.
const rsaJwk = process.env.FEDIFY_PEER_RSA_JWK ? JSON.parse(process.env.FEDIFY_PEER_RSA_JWK) : null;
const rsaPair = rsaJwk
  ? { privateKey: await importJwk(rsaJwk, "private"), publicKey: await importJwk({ kty: "RSA", alg: "RS256", n: rsaJwk.n, e: rsaJwk.e }, "public") }
  : await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
const keyPairs = [rsaPair, await generateCryptoKeyPair("Ed25519")];
const received = [];            // verified activities, in arrival order
const unverified = [];          // deliveries whose signature Fedify refused
const followers = new Map();    // actor id -> the follower's actor object (a Recipient)
const following = new Map();    // actor id -> { follow: id, state: "pending" | "accepted" | "rejected" }
const notes = new Map();        // local id -> Note, served by the object dispatcher
const schemes = [];             // sig9421: {method, path, scheme} of every federation request received
const aliases = [];             // ada's alsoKnownAs (URL strings)
let movedTo = null;             // ada's movedTo once it moved
const moves = [];               // {id, from, to, outcome} of every Move received

const federation = createFederation({
  kv: new MemoryKvStore(),
  origin,
  allowPrivateAddress: true,   // the other side is on loopback; tests only
  // sig9421: FEDIFY_PEER_FIRST_KNOCK=draft-cavage-http-signatures-12 makes it sign cavage first.
  ...(process.env.FEDIFY_PEER_FIRST_KNOCK ? { firstKnock: process.env.FEDIFY_PEER_FIRST_KNOCK } : {}),
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== NAME) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Ada (Fedify)",
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      followers: ctx.getFollowersUri(identifier),
      publicKeys: keys.map((key) => key.cryptographicKey),
      assertionMethods: keys.map((key) => key.multikey),
      aliases: aliases.map((alias) => new URL(alias)),
      successor: movedTo == null ? null : new URL(movedTo),
    });
  })
  .setKeyPairsDispatcher((ctx, identifier) => (identifier === NAME ? keyPairs : []));

// --- sig9421: authorised fetch. Followers and notes are served only to a signed GET whose key
// Fedify could verify (the actor itself stays public, as everyone needs its keys).
const signedOnly = async (ctx) => (await ctx.getSignedKey()) != null;

federation.setFollowersDispatcher("/users/{identifier}/followers", (ctx, identifier) =>
  identifier === NAME ? { items: [...followers.values()] } : null).authorize(signedOnly);

federation.setObjectDispatcher(Note, "/users/{identifier}/notes/{id}", (ctx, values) =>
  values.identifier === NAME ? notes.get(values.id) ?? null : null).authorize(signedOnly);
// --- end sig9421

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    await record(ctx, follow);
    if (follow.objectId?.href !== ctx.getActorUri(NAME).href) return;
    const follower = await follow.getActor(ctx);
    if (follower == null || !isActor(follower)) return;
    followers.set(follower.id.href, follower);
    await ctx.sendActivity({ identifier: NAME }, follower, new Accept({
      id: newId(ctx, "accepts"),
      actor: ctx.getActorUri(NAME),
      object: follow,
      to: follower.id,
    }));
  })
  .on(Accept, async (ctx, accept) => {
    await record(ctx, accept);
    answerOurFollow(accept, "accepted");
  })
  .on(Reject, async (ctx, reject) => {
    await record(ctx, reject);
    answerOurFollow(reject, "rejected");
  })
  .on(Undo, async (ctx, undo) => {
    await record(ctx, undo);
    const original = await undo.getObject(ctx);
    if (original instanceof Follow && undo.actorId != null) followers.delete(undo.actorId.href);
  })
  .on(Move, async (ctx, move) => {
    await record(ctx, move);
    moves.push({ id: move.id?.href ?? null, from: move.actorId?.href ?? null, to: move.targetId?.href ?? null,
                 outcome: await followMove(ctx, move) });
  })
  .on(Activity, record)
  .onUnverifiedActivity((ctx, activity, reason) => {
    unverified.push({
      type: typeName(activity), id: activity.id?.href ?? null, actor: activity.actorId?.href ?? null, reason: reason.type,
    });
  });

// Mastodon's way with a Move: only of the actor itself, only to a target that names it in
// alsoKnownAs and did not move on, and only for an actor followed here; then follow, then unfollow.
async function followMove(ctx, move) {
  const from = move.actorId?.href;
  if (from == null || move.objectId?.href !== from || move.targetId == null) return "not a Move of its actor";
  const old = following.get(from);
  if (old == null) return "not followed here";
  const target = await ctx.lookupObject(move.targetId);
  if (target == null || !isActor(target)) return "target not found";
  if (!target.aliasIds.some((alias) => alias.href === from)) return "target does not list the old actor";
  if (target.successorId != null) return "target moved itself";
  const follow = new Follow({ id: newId(ctx, "follows"), actor: ctx.getActorUri(NAME), object: target.id, to: target.id });
  following.set(target.id.href, { follow: follow.id.href, state: "pending" });
  await ctx.sendActivity({ identifier: NAME }, target, follow);
  const oldActor = await move.getActor(ctx);
  const undo = new Undo({
    id: newId(ctx, "undos"), actor: ctx.getActorUri(NAME), to: new URL(from),
    object: new Follow({ id: new URL(old.follow), actor: ctx.getActorUri(NAME), object: new URL(from) }),
  });
  following.delete(from);
  if (oldActor != null) await ctx.sendActivity({ identifier: NAME }, oldActor, undo);
  return "followed the target";
}

function answerOurFollow(answer, state) {
  const entry = answer.actorId && following.get(answer.actorId.href);
  if (entry && answer.objectId?.href === entry.follow) entry.state = state;
}

async function record(ctx, activity) {
  const entry = {
    type: typeName(activity),
    id: activity.id?.href ?? null,
    actor: activity.actorId?.href ?? null,
    object: activity.objectId?.href ?? null,
    recipient: ctx.recipient,   // the personal inbox's identifier, null for the shared inbox
  };
  if (activity instanceof Create) {
    const object = await activity.getObject(ctx);
    entry.objectType = object == null ? null : typeName(object);
    entry.content = object?.content?.toString() ?? null;
    entry.attributedTo = object?.attributionId?.href ?? null;
    entry.inReplyTo = object?.replyTargetId?.href ?? null;
  }
  received.push(entry);
}

function typeName(object) {
  return object.constructor.name;
}

function newId(ctx, kind) {
  return new URL(`${ctx.getActorUri(NAME).href}/${kind}/${crypto.randomUUID()}`);
}

async function lookupActor(ctx, id, signed = false) {
  // signed: a GET signed with ada's key (a private instance answers no unsigned one)
  const documentLoader = signed ? await ctx.getDocumentLoader({ identifier: NAME }) : undefined;
  const actor = await ctx.lookupObject(id, documentLoader ? { documentLoader } : {});
  if (actor == null || !isActor(actor)) throw new ControlError(404, `${id} is not an actor`);
  return actor;
}

class ControlError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const controls = {
  "GET /control/state": () => ({
    actor: federation.createContext(new URL(origin)).getActorUri(NAME).href,
    received,
    unverified,
    followers: [...followers.keys()],
    following: Object.fromEntries(following),
    schemes,  // sig9421
    aliases,
    movedTo,
    moves,
  }),

  "POST /control/aliases": (ctx, { aliases: given }) => {
    aliases.splice(0, aliases.length, ...given.map((alias) => new URL(alias).href));
    return { aliases };
  },

  "POST /control/move": async (ctx, { target }) => {
    const actor = await lookupActor(ctx, target);
    movedTo = actor.id.href;
    const move = new Move({
      id: newId(ctx, "moves"), actor: ctx.getActorUri(NAME), object: ctx.getActorUri(NAME), target: actor.id,
      tos: [ctx.getFollowersUri(NAME)],
    });
    await ctx.sendActivity({ identifier: NAME }, "followers", move);
    return { id: move.id.href };
  },

  "POST /control/follow": async (ctx, { target, signed = false }) => {
    const actor = await lookupActor(ctx, target, signed);
    const follow = new Follow({
      id: newId(ctx, "follows"), actor: ctx.getActorUri(NAME), object: actor.id, to: actor.id,
    });
    following.set(actor.id.href, { follow: follow.id.href, state: "pending" });
    await ctx.sendActivity({ identifier: NAME }, actor, follow);
    return { id: follow.id.href };
  },

  "POST /control/unfollow": async (ctx, { target }) => {
    const entry = following.get(target);
    if (entry == null) throw new ControlError(404, `not following ${target}`);
    const actor = await lookupActor(ctx, target);
    const follow = new Follow({ id: new URL(entry.follow), actor: ctx.getActorUri(NAME), object: actor.id });
    const undo = new Undo({ id: newId(ctx, "undos"), actor: ctx.getActorUri(NAME), object: follow, to: actor.id });
    following.delete(target);
    await ctx.sendActivity({ identifier: NAME }, actor, undo);
    return { id: undo.id.href };
  },

  "POST /control/note": async (ctx, { to, content, inbox }) => {
    // inbox: delivered there without looking the actor up (a server that will not be read may still be sent to)
    const actor = inbox ? { id: new URL(to), inboxId: new URL(inbox) } : await lookupActor(ctx, to);
    const create = newCreate(ctx, content, {
      tos: [actor.id], tags: [new Mention({ href: actor.id, name: actor.preferredUsername?.toString() })],
    });
    await ctx.sendActivity({ identifier: NAME }, actor, create);
    return { id: create.id.href, object: create.objectId.href };
  },

  "POST /control/public-note": async (ctx, { content }) => {
    const create = newCreate(ctx, content, { tos: [PUBLIC_COLLECTION], ccs: [ctx.getFollowersUri(NAME)] });
    await ctx.sendActivity({ identifier: NAME }, "followers", create);
    return { id: create.id.href, object: create.objectId.href };
  },

  "POST /control/like": async (ctx, { object, owner }) => {
    const actor = await lookupActor(ctx, owner);
    const like = new Like({
      id: newId(ctx, "likes"), actor: ctx.getActorUri(NAME), object: new URL(object), to: actor.id,
    });
    await ctx.sendActivity({ identifier: NAME }, actor, like);
    return { id: like.id.href };
  },

  // A vote in a poll as Mastodon sends it: a Note named after the option, in reply to the Question.
  "POST /control/vote": async (ctx, { question, name, owner }) => {
    const actor = await lookupActor(ctx, owner);
    const note = new Note({
      id: newId(ctx, "votes"), attribution: ctx.getActorUri(NAME), name, replyTarget: new URL(question),
      tos: [actor.id],
    });
    const create = new Create({
      id: new URL(`${note.id.href}/activity`), actor: ctx.getActorUri(NAME), object: note, tos: [actor.id],
    });
    await ctx.sendActivity({ identifier: NAME }, actor, create);
    return { id: create.id.href, object: note.id.href };
  },

  "POST /control/lookup": async (ctx, { id, signed = true }) => {
    // --- sig9421: a signed GET (the other side may require authorised fetch), unless told not to.
    const documentLoader = signed ? await ctx.getDocumentLoader({ identifier: NAME }) : undefined;
    const object = await ctx.lookupObject(id, documentLoader ? { documentLoader } : {});
    // --- end sig9421
    if (object == null) throw new ControlError(404, `Fedify could not read ${id}`);
    return {
      type: typeName(object),
      id: object.id?.href ?? null,
      content: object.content?.toString() ?? null,
      attributedTo: object.attributionId?.href ?? null,
      preferredUsername: isActor(object) ? object.preferredUsername?.toString() ?? null : null,
      inbox: isActor(object) ? object.inboxId?.href ?? null : null,
      publicKeys: isActor(object) ? object.publicKeyIds.map((key) => key.href) : [],
    };
  },
};

// --- Object Integrity Proofs and LD signatures (part "proofs" of issue 9) -------------------
// The exact JSON bodies delivered to the inbox, by activity id, so the test can ask Fedify
// whether the proof of what we sent verifies on the very bytes received.
//   POST /control/verify-proof {id, change?}  Fedify's verifyObject() on that delivered body
//                                        (with `change` merged in first: a doctored copy)
//   POST /control/verify-ld    {document} Fedify's verifyJsonLd() (RsaSignature2017)
//   POST /control/sign-ld      {document} Fedify's signJsonLd() with ada's RSA key
const { signJsonLd, verifyJsonLd, verifyObject } = await import("@fedify/fedify");
const deliveredBodies = new Map();

function rememberDelivery(body) {
  try {
    const json = JSON.parse(body.toString("utf8"));
    if (typeof json?.id === "string") deliveredBodies.set(json.id, json);
  } catch {
    // not JSON: Fedify answers it; nothing to remember
  }
}

Object.assign(controls, {
  "POST /control/verify-proof": async (ctx, { id, change }) => {
    const delivered = deliveredBodies.get(id);
    if (delivered == null) throw new ControlError(404, `no delivery of ${id}`);
    const json = change == null ? delivered : { ...delivered, ...change };  // the test's control: a doctored copy
    const options = { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader };
    const verified = await verifyObject(Activity, json, options);
    return { verified: verified != null, hasProof: json.proof != null };
  },

  "POST /control/verify-ld": async (ctx, { document }) => ({
    verified: await verifyJsonLd(document, { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader }),
  }),

  "POST /control/sign-ld": async (ctx, { document }) => {
    const [rsa] = await ctx.getActorKeyPairs(NAME);
    return await signJsonLd(document, rsa.privateKey, rsa.keyId, { contextLoader: ctx.contextLoader });
  },
});
// --- end of proofs -------------------------------------------------------------------------

// --- sig9421: a paged collection fetched the way Fedify signs GETs (double-knocked, RFC 9421 first).
controls["POST /control/followers-page"] = async (ctx, { url }) => {
  const loader = await ctx.getDocumentLoader({ identifier: NAME });
  try {
    const { document } = await loader(url);
    return { status: 200, type: document.type ?? null, orderedItems: document.orderedItems ?? null };
  } catch (error) {
    return { status: 0, error: String(error) };
  }
};
// --- end sig9421

function newCreate(ctx, content, addressing) {
  const localId = crypto.randomUUID();
  const note = new Note({
    id: ctx.getObjectUri(Note, { identifier: NAME, id: localId }),
    attribution: ctx.getActorUri(NAME),
    content,
    published: Temporal.Now.instant(),
    ...addressing,
  });
  notes.set(localId, note);
  return new Create({
    id: new URL(`${note.id.href}/activity`),
    actor: ctx.getActorUri(NAME),
    object: note,
    tos: addressing.tos,
    ccs: addressing.ccs ?? [],
  });
}

async function control(request) {
  const url = new URL(request.url);
  const handler = controls[`${request.method} ${url.pathname}`];
  if (handler == null) return Response.json({ error: "no such control" }, { status: 404 });
  try {
    const body = request.method === "POST" ? await request.json() : {};
    const ctx = federation.createContext(new URL(origin));
    return Response.json(await handler(ctx, body));
  } catch (error) {
    // A failed delivery (the other side answered 4xx/5xx) is what the test wants to see.
    const status = error instanceof ControlError ? error.status : 502;
    return Response.json({ error: String(error?.stack ?? error) }, { status });
  }
}

// Node's http server to the Fetch API objects Fedify works with.
const server = http.createServer(async (req, res) => {
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    if (hasBody && !req.url.startsWith("/control/")) rememberDelivery(Buffer.concat(chunks)); // proofs
    const request = new Request(new URL(req.url, origin), {
      method: req.method, headers, body: hasBody ? Buffer.concat(chunks) : undefined,
    });
    // --- sig9421: which HTTP signature scheme each federation request carried.
    if (!new URL(request.url).pathname.startsWith("/control/")) {
      schemes.push({
        method: req.method, path: req.url,
        scheme: headers.has("signature-input") ? "rfc9421" : headers.has("signature") ? "cavage" : null,
      });
    }
    // --- end sig9421
    const response = new URL(request.url).pathname.startsWith("/control/")
      ? await control(request)
      : await federation.fetch(request, {
        contextData: undefined,
        onNotFound: () => new Response("not found", { status: 404 }),
        onNotAcceptable: () => new Response("not acceptable", { status: 406 }),
      });
    res.writeHead(response.status, [...response.headers].flat());
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (error) {
    console.error("fedify_peer: request failed", error);
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
    res.end(String(error));
  }
});

server.listen(port, "127.0.0.1", () => console.log(`fedify_peer listening on ${origin}`));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
setTimeout(() => {
  console.error(`fedify_peer: stopping after ${maxSeconds} s`);
  process.exit(0);
}, maxSeconds * 1000).unref();
