// Drives a running Myelin with matrix-js-sdk, the library Element is built on, through the
// flows a person does in a client: register, set a profile, create a room, invite, join,
// chat, paginate back, edit, redact, see typing and receipts, leave.
// Run by tests/Myelin.EndToEnd.Tests (which starts Myelin) with MYELIN_URL set.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as sdk from "matrix-js-sdk";
import { logger } from "matrix-js-sdk/lib/logger.js";

logger.setLevel("error");

const baseUrl = process.env.MYELIN_URL;
if (!baseUrl) throw new Error("MYELIN_URL is not set");

const run = Math.random().toString(36).slice(2, 8);
const clients = [];

/** Registers through the user-interactive auth flow with m.login.dummy, as Element does. */
async function register(username) {
    const anon = sdk.createClient({ baseUrl });
    let session;
    try {
        await anon.registerRequest({ username, password: "correct horse battery" });
        assert.fail("registration without auth should answer 401 with flows");
    } catch (e) {
        assert.equal(e.httpStatus, 401);
        assert.ok(e.data.flows.some(f => f.stages.includes("m.login.dummy")), JSON.stringify(e.data));
        session = e.data.session;
    }
    const res = await anon.registerRequest({
        username,
        password: "correct horse battery",
        auth: { type: "m.login.dummy", session },
    });
    const client = sdk.createClient({ baseUrl, userId: res.user_id, accessToken: res.access_token, deviceId: res.device_id });
    clients.push(client);
    return client;
}

async function startSyncing(client) {
    const prepared = new Promise((resolve, reject) => {
        client.on(sdk.ClientEvent.Sync, (state, _prev, data) => {
            if (state === "PREPARED") resolve();
            if (state === "ERROR") reject(data?.error ?? new Error("sync error"));
        });
    });
    await client.startClient({ initialSyncLimit: 20, lazyLoadMembers: true });
    await prepared;
}

/** Waits until predicate() is true, re-checking whenever the client emits a timeline/room event. */
function waitFor(client, predicate, what, ms = 10000) {
    return new Promise((resolve, reject) => {
        const check = () => {
            let ok = false;
            try { ok = predicate(); } catch { ok = false; }
            if (ok) { cleanup(); resolve(); }
        };
        const timer = setTimeout(() => { cleanup(); reject(new Error(`timed out waiting for ${what}`)); }, ms);
        const events = [sdk.RoomEvent.Timeline, sdk.RoomEvent.MyMembership, sdk.RoomMemberEvent.Typing, sdk.RoomEvent.Receipt,
            sdk.ClientEvent.Room, sdk.RoomEvent.Redaction, sdk.RoomEvent.LocalEchoUpdated, sdk.ClientEvent.Sync];
        const cleanup = () => { clearTimeout(timer); for (const e of events) client.removeListener(e, check); };
        for (const e of events) client.on(e, check);
        check();
    });
}

let alice, bob, roomId;

before(async () => {
    alice = await register(`alice-${run}`);
    bob = await register(`bob-${run}`);
    await startSyncing(alice);
    await startSyncing(bob);
});

after(() => {
    for (const c of clients) c.stopClient();
});

test("whoami and profile", async () => {
    const who = await alice.whoami();
    assert.equal(who.user_id, alice.getUserId());
    await alice.setDisplayName("Alice");
    const profile = await bob.getProfileInfo(alice.getUserId());
    assert.equal(profile.displayname, "Alice");
});

test("create a room, invite and join", async () => {
    const created = await alice.createRoom({ name: "E2E room", topic: "testing", preset: sdk.Preset.PrivateChat, invite: [bob.getUserId()] });
    roomId = created.room_id;
    await waitFor(bob, () => bob.getRoom(roomId)?.getMyMembership() === "invite", "bob's invite");
    await bob.joinRoom(roomId);
    await waitFor(alice, () => alice.getRoom(roomId)?.getMember(bob.getUserId())?.membership === "join", "bob's join seen by alice");
    const room = bob.getRoom(roomId);
    assert.equal(room.name, "E2E room");
    const members = await alice.getJoinedRoomMembers(roomId);
    assert.deepEqual(Object.keys(members.joined).sort(), [alice.getUserId(), bob.getUserId()].sort());
});

test("exchange messages", async () => {
    const sent = await alice.sendTextMessage(roomId, "hello bob");
    await waitFor(bob, () => bob.getRoom(roomId).getLiveTimeline().getEvents().some(e => e.getId() === sent.event_id), "alice's message at bob");
    await bob.sendTextMessage(roomId, "hello alice");
    await waitFor(alice, () => alice.getRoom(roomId).getLiveTimeline().getEvents().some(e => e.getContent().body === "hello alice"), "bob's reply at alice");
});

test("paginate back through history", async () => {
    for (let i = 0; i < 30; i++) await alice.sendTextMessage(roomId, `message ${i}`);
    const res = await bob.createMessagesRequest(roomId, null, 100, sdk.Direction.Backward);
    const bodies = res.chunk.filter(e => e.type === "m.room.message").map(e => e.content.body);
    assert.ok(bodies.includes("message 0") && bodies.includes("message 29") && bodies.includes("hello bob"), bodies.join(","));
    assert.equal(bodies.indexOf("message 29") < bodies.indexOf("message 0"), true, "backwards pagination returns newest first");
    // Page by page with the tokens: nothing missing, nothing twice.
    const seen = [];
    let from = null;
    for (let page = 0; page < 20; page++) {
        const r = await bob.createMessagesRequest(roomId, from, 7, sdk.Direction.Backward);
        seen.push(...r.chunk.map(e => e.event_id));
        if (!r.end || r.chunk.length === 0) break;
        from = r.end;
    }
    assert.equal(new Set(seen).size, seen.length, "no event twice across pages");
    assert.ok(seen.length >= 33, `saw ${seen.length} events`);
});

test("edit and redact", async () => {
    const original = await alice.sendTextMessage(roomId, "tpyo");
    await alice.sendEvent(roomId, "m.room.message", {
        "msgtype": "m.text",
        "body": "* typo",
        "m.new_content": { msgtype: "m.text", body: "typo" },
        "m.relates_to": { rel_type: "m.replace", event_id: original.event_id },
    });
    const relations = await bob.relations(roomId, original.event_id, "m.replace", "m.room.message");
    assert.equal(relations.events.length, 1);
    assert.equal(relations.events[0].getContent()["m.new_content"].body, "typo");

    const doomed = await alice.sendTextMessage(roomId, "oops");
    await alice.redactEvent(roomId, doomed.event_id);
    const fetched = await bob.fetchRoomEvent(roomId, doomed.event_id);
    assert.deepEqual(fetched.content, {});
    assert.ok(fetched.unsigned?.redacted_because, "redacted event carries redacted_because");
});

test("typing and receipts are seen", async () => {
    await alice.sendTyping(roomId, true, 10000);
    await waitFor(bob, () => bob.getRoom(roomId).getMember(alice.getUserId())?.typing === true, "alice typing at bob");
    await alice.sendTyping(roomId, false);
    await waitFor(bob, () => bob.getRoom(roomId).getMember(alice.getUserId())?.typing === false, "alice stopped typing");

    const last = await alice.sendTextMessage(roomId, "read me");
    await waitFor(bob, () => !!bob.getRoom(roomId).findEventById(last.event_id), "message to receipt");
    const event = bob.getRoom(roomId).findEventById(last.event_id);
    await bob.sendReadReceipt(event);
    await waitFor(alice, () => alice.getRoom(roomId).getUsersReadUpTo(event).includes(bob.getUserId()), "bob's receipt at alice");
});

test("leave", async () => {
    await bob.leave(roomId);
    await waitFor(alice, () => alice.getRoom(roomId)?.getMember(bob.getUserId())?.membership === "leave", "bob's leave at alice");
    const rooms = await bob.getJoinedRooms();
    assert.ok(!rooms.joined_rooms.includes(roomId));
});
