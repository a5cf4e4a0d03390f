// End-to-end encryption across two federating Myelins: alice on server A, bob (and his later devices) on server B.
// Device keys, one-time keys, room keys (to-device) and device-list changes all cross the federation API.
// The scenario is in e2ee-scenario.js. Run by tests/Myelin.EndToEnd.Tests (which starts both servers) with
// MYELIN_URL_A and MYELIN_URL_B set (their client APIs).
import { defineEncryptionTests } from "./e2ee-scenario.js";

const aliceUrl = process.env.MYELIN_URL_A;
const bobUrl = process.env.MYELIN_URL_B;
if (!aliceUrl || !bobUrl) throw new Error("MYELIN_URL_A and MYELIN_URL_B must be set");

defineEncryptionTests({ aliceUrl, bobUrl });
