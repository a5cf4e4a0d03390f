// End-to-end encryption on one Myelin: alice and bob (and bob's later devices) on the same server.
// The scenario is in e2ee-scenario.js. Run by tests/Myelin.EndToEnd.Tests (which starts Myelin) with MYELIN_URL set.
import { defineEncryptionTests } from "./e2ee-scenario.js";

const url = process.env.MYELIN_URL;
if (!url) throw new Error("MYELIN_URL is not set");

defineEncryptionTests({ aliceUrl: url, bobUrl: url });
