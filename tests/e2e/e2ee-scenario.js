// The end-to-end encryption scenario, proven with the crypto stack Element ships: matrix-js-sdk's Rust crypto
// (@matrix-org/matrix-sdk-crypto-wasm). Olm/Megolm run only in the clients; the servers carry device keys
// (/keys/upload, /keys/query), one-time keys (/keys/claim), to-device messages (/sendToDevice, /sync) and
// device-list changes (/sync device_lists) — between two servers, over federation (user/keys/query,
// user/keys/claim, m.direct_to_device and m.device_list_update EDUs). If any of those is wrong, a client cannot
// decrypt and a test fails. crypto.test.js runs it on one server, crypto-federation.test.js across two.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as sdk from "matrix-js-sdk";
import {
    register, login, startSyncing, stopAll, waitFor, waitForDecrypted, knownDevices, sendText, sessionIdOf, password,
} from "./e2ee-support.js";

/**
 * Registers the scenario's tests: alice on the server at aliceUrl, bob (and his later devices) on the one at bobUrl —
 * the same server, or two federating ones.
 */
export function defineEncryptionTests({ aliceUrl, bobUrl }) {
    const run = Math.random().toString(36).slice(2, 8);
    let alice, bob1, bob2, roomId;

    before(async () => {
        alice = await register(aliceUrl, `alice-${run}`);
        bob1 = await register(bobUrl, `bob-${run}`);
        await startSyncing(alice);
        await startSyncing(bob1);
    });

    after(() => stopAll());

    test("devices upload identity and one-time keys that others can query", async () => {
        // initRustCrypto + the first sync made each device upload its keys (POST /keys/upload).
        assert.ok(alice.requests.some(r => r.method === "POST" && r.path === "/_matrix/client/v3/keys/upload" && r.body?.device_keys),
            "alice's device uploaded its device keys");
        const res = await alice.client.http.authedRequest(sdk.Method.Post, "/keys/query", undefined, { device_keys: { [bob1.userId]: [] } });
        const bobKeys = res.device_keys?.[bob1.userId]?.[bob1.deviceId];
        assert.ok(bobKeys, `bob's device is missing from alice's /keys/query: ${JSON.stringify(res)}`);
        assert.deepEqual(bobKeys.algorithms.sort(), ["m.megolm.v1.aes-sha2", "m.olm.v1.curve25519-aes-sha2"].sort());
        assert.ok(bobKeys.keys[`curve25519:${bob1.deviceId}`] && bobKeys.keys[`ed25519:${bob1.deviceId}`]);
        assert.ok(bobKeys.signatures[bob1.userId][`ed25519:${bob1.deviceId}`], "self-signed device keys come back as uploaded");
        // The crypto stack verifies that signature itself; the device is known and carries the same identity key.
        await waitFor(alice, async () => (await knownDevices(alice, bob1.userId)).includes(bob1.deviceId), "bob's device at alice");
        const device = (await alice.client.getCrypto().getUserDeviceInfo([bob1.userId], true)).get(bob1.userId).get(bob1.deviceId);
        assert.equal(device.getIdentityKey(), bobKeys.keys[`curve25519:${bob1.deviceId}`]);
    });

    test("alice and bob exchange Megolm messages in an encrypted room", async () => {
        const created = await alice.client.createRoom({
            name: "Encrypted",
            preset: sdk.Preset.PrivateChat,
            initial_state: [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }],
        });
        roomId = created.room_id;
        await alice.client.invite(roomId, bob1.userId);
        await waitFor(bob1, () => bob1.client.getRoom(roomId)?.getMyMembership() === "invite", "bob's invite");
        await bob1.client.joinRoom(roomId);
        await waitFor(alice, () => alice.client.getRoom(roomId)?.getMember(bob1.userId)?.membership === "join", "bob's join at alice");
        assert.equal(await alice.client.getCrypto().isEncryptionEnabledInRoom(roomId), true);

        const fromAlice = await sendText(alice, roomId, "hello bob, this is secret");
        await waitForDecrypted(bob1, roomId, fromAlice, "hello bob, this is secret");
        // The room key went to bob's device inside an Olm-encrypted to-device message, after claiming a one-time key.
        assert.ok(alice.requests.some(r => r.method === "POST" && r.path === "/_matrix/client/v3/keys/claim"
            && r.body?.one_time_keys?.[bob1.userId]?.[bob1.deviceId] === "signed_curve25519"), "alice claimed a one-time key of bob's device");
        const olm = alice.sentToDevice("m.room.encrypted").filter(m => m.userId === bob1.userId && m.deviceId === bob1.deviceId);
        assert.ok(olm.length >= 1, "alice sent bob's device an Olm message");
        assert.equal(olm[0].content.algorithm, "m.olm.v1.curve25519-aes-sha2");

        const fromBob = await sendText(bob1, roomId, "hello alice, secret received");
        await waitForDecrypted(alice, roomId, fromBob, "hello alice, secret received");

        // The server only ever saw ciphertext.
        const raw = await bob1.client.http.authedRequest(sdk.Method.Get, `/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(fromAlice)}`);
        assert.equal(raw.type, "m.room.encrypted");
        assert.equal(raw.content.algorithm, "m.megolm.v1.aes-sha2");
        assert.ok(raw.content.ciphertext && !JSON.stringify(raw).includes("secret"), JSON.stringify(raw));
    });

    test("a device bob logs in later receives the keys for new messages", async () => {
        assert.ok(roomId, "needs the encrypted room of the previous test");
        bob2 = await login(bobUrl, bob1.userId);
        assert.notEqual(bob2.deviceId, bob1.deviceId);
        await startSyncing(bob2);
        // Alice hears of the new device through her /sync's device_lists.changed, then /keys/query.
        await waitFor(alice, async () => (await knownDevices(alice, bob1.userId)).includes(bob2.deviceId), "bob's new device at alice", 30000);

        const later = await sendText(alice, roomId, "for both of bob's devices");
        await waitForDecrypted(bob2, roomId, later, "for both of bob's devices");
        await waitForDecrypted(bob1, roomId, later, "for both of bob's devices");
        assert.ok(alice.sentToDevice("m.room.encrypted").some(m => m.userId === bob1.userId && m.deviceId === bob2.deviceId),
            "the room key reached the new device in an Olm to-device message");

        // And the new device's messages reach alice: it got alice's devices and shares its own session.
        const fromNew = await sendText(bob2, roomId, "written on bob's second device");
        await waitForDecrypted(alice, roomId, fromNew, "written on bob's second device");
        await waitForDecrypted(bob1, roomId, fromNew, "written on bob's second device");
    });

    test("a deleted device gets no keys for newer messages", async () => {
        assert.ok(roomId && bob2, "needs the room and bob's second device of the previous tests");
        const removed = bob1.deviceId;
        const beforeRemoval = await sendText(alice, roomId, "before the removal");
        await waitForDecrypted(bob2, roomId, beforeRemoval, "before the removal");
        const sessionBefore = sessionIdOf(alice, roomId, beforeRemoval);
        assert.ok(sessionBefore, "alice's own event carries its Megolm session ID");

        // Bob deletes his first device from the second one, through user-interactive auth with his password.
        bob1.client.stopClient();
        let session;
        try {
            await bob2.client.deleteDevice(removed);
            assert.fail("deleting a device without auth should answer 401 with flows");
        } catch (e) {
            assert.equal(e.httpStatus, 401, String(e));
            session = e.data.session;
        }
        await bob2.client.deleteDevice(removed, {
            type: "m.login.password", identifier: { type: "m.id.user", user: bob2.userId }, password, session,
        });

        // The deleted device's access token is gone, so its /sync gets nothing.
        await assert.rejects(bob1.client.http.authedRequest(sdk.Method.Get, "/sync", { timeout: "0" }),
            e => e.httpStatus === 401 && e.errcode === "M_UNKNOWN_TOKEN");
        // Alice's device list for bob drops it (device_lists.changed → /keys/query).
        await waitFor(alice, async () => {
            const devices = await knownDevices(alice, bob2.userId);
            return !devices.includes(removed) && devices.includes(bob2.deviceId);
        }, "bob's deleted device gone at alice", 30000);
        const query = await alice.client.http.authedRequest(sdk.Method.Post, "/keys/query", undefined, { device_keys: { [bob2.userId]: [] } });
        assert.deepEqual(Object.keys(query.device_keys[bob2.userId]), [bob2.deviceId]);

        alice.clearRequests();
        const afterRemoval = await sendText(alice, roomId, "after the removal");
        await waitForDecrypted(bob2, roomId, afterRemoval, "after the removal");
        // A removed recipient forces a new Megolm session, and its key went to bob's remaining device only.
        assert.notEqual(sessionIdOf(alice, roomId, afterRemoval), sessionBefore, "alice rotated the Megolm session");
        const keyMessages = alice.sentToDevice("m.room.encrypted");
        assert.ok(keyMessages.some(m => m.userId === bob2.userId && m.deviceId === bob2.deviceId), "the new key reached bob's remaining device");
        assert.ok(!keyMessages.some(m => m.deviceId === removed), "nothing was sent to the deleted device");
        assert.ok(!alice.requests.some(r => r.path.endsWith("/keys/claim") && r.body?.one_time_keys?.[bob2.userId]?.[removed]),
            "no one-time key of the deleted device was claimed");
    });
}
