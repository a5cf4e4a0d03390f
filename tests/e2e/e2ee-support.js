// Shared by crypto.test.js and crypto-federation.test.js: matrix-js-sdk clients with the Rust crypto stack
// (@matrix-org/matrix-sdk-crypto-wasm, what Element Web ships) against a running Myelin, plus a log of every
// HTTP request each client makes, so the tests can assert what went over the wire (keys/query, keys/claim,
// sendToDevice) and not only what the client shows.
import assert from "node:assert/strict";
import * as sdk from "matrix-js-sdk";
import * as RustSdkCryptoJs from "@matrix-org/matrix-sdk-crypto-wasm";
import { logger } from "matrix-js-sdk/lib/logger.js";

logger.setLevel("error");

export const password = "correct horse battery";

/** One client: the SDK object plus the HTTP requests it made ({ method, path, body }). */
export class CryptoClient {
    constructor(client, requests) {
        this.client = client;
        this.requests = requests;
    }

    get userId() { return this.client.getUserId(); }
    get deviceId() { return this.client.getDeviceId(); }

    /** The to-device messages of `type` this client sent: [{ userId, deviceId, content }]. */
    sentToDevice(type) {
        const out = [];
        for (const r of this.requests) {
            const prefix = `/_matrix/client/v3/sendToDevice/${encodeURIComponent(type)}/`;
            if (r.method !== "PUT" || !r.path.startsWith(prefix)) continue;
            for (const [userId, devices] of Object.entries(r.body.messages ?? {})) {
                for (const [deviceId, content] of Object.entries(devices)) out.push({ userId, deviceId, content });
            }
        }
        return out;
    }

    /** Forgets the request log, so a later assertion sees only what followed. */
    clearRequests() { this.requests.length = 0; }
}

const started = [];

/** A fetch that records every request (path, method, parsed JSON body) before sending it. */
function recordingFetch(requests) {
    return async (input, init = {}) => {
        const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
        let body = null;
        if (typeof init.body === "string") {
            try { body = JSON.parse(init.body); } catch { body = null; }
        }
        requests.push({ method: (init.method ?? "GET").toUpperCase(), path: url.pathname, body });
        return fetch(input, init);
    };
}

async function clientFor(baseUrl, login) {
    const requests = [];
    const client = sdk.createClient({
        baseUrl,
        userId: login.user_id,
        accessToken: login.access_token,
        deviceId: login.device_id,
        fetchFn: recordingFetch(requests),
    });
    // In-memory crypto store: node has no IndexedDB, and a test device needs nothing to outlive the process.
    await client.initRustCrypto({ useIndexedDB: false });
    // initRustCrypto turns the Rust tracing on at debug level; warnings are enough for a test log.
    new RustSdkCryptoJs.Tracing(RustSdkCryptoJs.LoggerLevel.Warn).turnOn();
    started.push(client);
    return new CryptoClient(client, requests);
}

/** Registers through the user-interactive auth flow with m.login.dummy, as Element does. */
export async function register(baseUrl, username) {
    const anon = sdk.createClient({ baseUrl });
    let session;
    try {
        await anon.registerRequest({ username, password });
        assert.fail("registration without auth should answer 401 with flows");
    } catch (e) {
        assert.equal(e.httpStatus, 401, String(e));
        session = e.data.session;
    }
    const res = await anon.registerRequest({ username, password, auth: { type: "m.login.dummy", session } });
    return clientFor(baseUrl, res);
}

/** Logs in an existing user with a password: a new device. */
export async function login(baseUrl, userId) {
    const anon = sdk.createClient({ baseUrl });
    const res = await anon.loginRequest({
        type: "m.login.password",
        identifier: { type: "m.id.user", user: userId },
        password,
        initial_device_display_name: "crypto test device",
    });
    return clientFor(baseUrl, res);
}

/**
 * Starts /sync and waits for the first one to be processed, and for the device's keys to be on the server
 * (the crypto stack uploads them in the background once it runs).
 */
export async function startSyncing(c) {
    const prepared = new Promise((resolve, reject) => {
        const onSync = (state, _prev, data) => {
            if (state === "PREPARED" || state === "SYNCING") { c.client.removeListener(sdk.ClientEvent.Sync, onSync); resolve(); }
            if (state === "ERROR") reject(data?.error ?? new Error("sync error"));
        };
        c.client.on(sdk.ClientEvent.Sync, onSync);
    });
    await c.client.startClient({ initialSyncLimit: 20, lazyLoadMembers: true });
    await prepared;
    await waitFor(c, async () => {
        const res = await c.client.http.authedRequest(sdk.Method.Post, "/keys/query", undefined, { device_keys: { [c.userId]: [c.deviceId] } });
        return !!res.device_keys?.[c.userId]?.[c.deviceId];
    }, `${c.userId}/${c.deviceId}'s keys on the server`);
}

export function stopAll() {
    for (const c of started) c.stopClient();
}

/** Waits until predicate() holds, re-checking on every sync, timeline event and decryption. */
export function waitFor(c, predicate, what, ms = 20000) {
    const client = c.client;
    return new Promise((resolve, reject) => {
        let done = false;
        const check = async () => {
            if (done) return;
            let ok = false;
            try { ok = await predicate(); } catch { ok = false; }
            if (ok && !done) { done = true; cleanup(); resolve(); }
        };
        const timer = setTimeout(() => { done = true; cleanup(); reject(new Error(`timed out waiting for ${what}`)); }, ms);
        const poll = setInterval(check, 250);
        const events = [sdk.RoomEvent.Timeline, sdk.RoomEvent.MyMembership, sdk.ClientEvent.Room, sdk.ClientEvent.Sync,
            sdk.MatrixEventEvent.Decrypted, sdk.CryptoEvent.DevicesUpdated];
        const cleanup = () => { clearTimeout(timer); clearInterval(poll); for (const e of events) client.removeListener(e, check); };
        for (const e of events) client.on(e, check);
        check();
    });
}

/** The room's live-timeline event with this ID, once it arrived; null before. */
export function findEvent(c, roomId, eventId) {
    return c.client.getRoom(roomId)?.findEventById(eventId) ?? null;
}

/**
 * Waits until `c` has the event, it was encrypted on the wire (m.room.encrypted, megolm) and it decrypted to
 * `body`. Returns the event.
 */
export async function waitForDecrypted(c, roomId, eventId, body, ms = 20000) {
    await waitFor(c, () => {
        const e = findEvent(c, roomId, eventId);
        return !!e && !e.isBeingDecrypted() && !e.isDecryptionFailure() && e.getContent()?.body === body;
    }, `${c.userId}/${c.deviceId} decrypting "${body}"`, ms).catch(err => {
        const e = findEvent(c, roomId, eventId);
        const state = e ? `type=${e.getType()} wire=${e.getWireType()} failure=${e.isDecryptionFailure()} content=${JSON.stringify(e.getContent())}` : "event not in timeline";
        throw new Error(`${err.message} (${state})`);
    });
    const event = findEvent(c, roomId, eventId);
    assert.equal(event.getWireType(), "m.room.encrypted", "the event went over the wire encrypted");
    assert.equal(event.getWireContent().algorithm, "m.megolm.v1.aes-sha2");
    assert.equal(event.getWireContent().body, undefined, "no plaintext on the wire");
    assert.equal(event.getType(), "m.room.message");
    return event;
}

/** The device IDs `c`'s crypto stack knows for `userId` (from /keys/query, refreshed by device-list changes). */
export async function knownDevices(c, userId) {
    const map = await c.client.getCrypto().getUserDeviceInfo([userId], true);
    return [...(map.get(userId)?.keys() ?? [])].sort();
}

/** Sends an encrypted text message (the SDK encrypts because the room has m.room.encryption). */
export async function sendText(c, roomId, body) {
    const res = await c.client.sendTextMessage(roomId, body);
    return res.event_id;
}

/** The Megolm session ID `c` used for its own event. */
export function sessionIdOf(c, roomId, eventId) {
    return findEvent(c, roomId, eventId)?.getWireContent()?.session_id;
}
