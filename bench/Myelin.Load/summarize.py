#!/usr/bin/env python3
"""Summarises a bench/run-all.sh results directory as Markdown tables (one row per engine and run) for docs/benchmarks.md.

Usage: python3 bench/Myelin.Load/summarize.py RESULTS_DIR > summary.md
"""
import glob
import json
import os
import sys


def lat(m, key):
    v = m.get(key)
    if not isinstance(v, dict) or not v.get("count"):
        return "–"
    return "%.1f / %.1f / %.1f / %.1f" % (v["p50_ms"], v["p95_ms"], v["p99_ms"], v["max_ms"])


def num(m, key, fmt="%.0f"):
    v = m.get(key)
    return fmt % v if isinstance(v, (int, float)) else "–"


def mb(doc, which):
    s = doc.get("server", {}).get(which)
    return "%.0f" % (s["rss_kb"] / 1024) if s else "–"


def status(doc):
    r = doc["result"]
    if r["status"] == "ok":
        return "ok"
    failure = (r.get("failure") or {}).get("message", "")
    failed = [c["name"] + ": " + c["detail"] for c in r.get("checks", []) if not c["passed"]]
    return r["status"] + (" — " + "; ".join(failed) if failed else "") + (" — " + failure if failure else "")


COLUMNS = {
    "send": ["senders", "rooms", "events/s", "latency p50 / p95 / p99 / max (ms)", "errors", "server CPU: % of a core, ms/event"],
    "fanout": ["syncers", "rate (ev/s)", "achieved (ev/s)", "send p50 / p99 (ms)", "delivery p50 / p95 / p99 / max (ms)",
               "delivery after 200: p50 / p99 (ms)", "missed", "dup"],
    "initial-sync": ["rooms × events", "initial (ms)", "bytes", "repeats p50 (ms)", "incremental after gap (ms)", "bytes"],
    "rjbench": ["lines", "speakers", "wall (s)", "register p50", "login p50", "create/join p50", "send p50 / p99 (ms)"],
    "join-storm": ["joiners", "concurrency", "joins/s", "join p50 / p99 / max (ms)", "members"],
}


def row(doc):
    r, m, p = doc["result"], doc["result"]["metrics"], doc["result"]["parameters"]
    name = r["scenario"]
    errors = sum(e["count"] for e in r.get("errors", {}).values())
    if name == "send":
        cpu = ("%s %%, %s" % (num(m, "measured_server_cpu_percent"), num(m, "measured_server_cpu_ms_per_event", "%.2f"))
               if "measured_server_cpu_percent" in m else "–")
        cells = [p["senders"], p["rooms"], num(m, "events_per_second"), lat(m, "send_latency"), errors, cpu]
    elif name == "fanout":
        s, d, a = m.get("send_latency", {}), m.get("delivery_latency", {}), m.get("delivery_after_accept", {})
        missed = sum(1 for c in r.get("checks", []) if c["name"] == "no missed events" and not c["passed"])
        cells = [p["syncers"], p["rate_per_second"], num(m, "send_rate", "%.1f"),
                 "%.0f / %.0f" % (s.get("p50_ms", 0), s.get("p99_ms", 0)) if s else "–", lat(m, "delivery_latency"),
                 "%.0f / %.0f" % (a.get("p50_ms", 0), a.get("p99_ms", 0)) if a else "–",
                 next((c["detail"].split(" ")[0] for c in r.get("checks", []) if c["name"] == "no missed events"), "–"),
                 next((c["detail"].split(" ")[0] for c in r.get("checks", []) if c["name"] == "no duplicated events"), "–")]
    elif name == "initial-sync":
        rep = m.get("initial_sync_repeat", {})
        cells = ["%s × %s" % (p["rooms"], p["events_per_room"]), num(m, "initial_sync_ms"), num(m, "initial_sync_bytes"),
                 "%.0f" % rep["p50_ms"] if rep.get("count") else "–", num(m, "incremental_sync_ms"), num(m, "incremental_sync_bytes")]
    elif name == "rjbench":
        cells = [p["lines"], p["speakers"], num(m, "wall_seconds", "%.2f"),
                 "%.0f" % m["register_latency"]["p50_ms"] if m.get("register_latency", {}).get("count") else "–",
                 "%.0f" % m["login_latency"]["p50_ms"] if m.get("login_latency", {}).get("count") else "–",
                 "%.0f" % m["join_latency"]["p50_ms"] if m.get("join_latency", {}).get("count") else "–",
                 "%.1f / %.1f" % (m["send_latency"]["p50_ms"], m["send_latency"]["p99_ms"]) if m.get("send_latency", {}).get("count") else "–"]
    elif name == "join-storm":
        cells = [p["joiners"], p["concurrency"], num(m, "joins_per_second", "%.1f"),
                 "%.0f / %.0f / %.0f" % (m["join_latency"]["p50_ms"], m["join_latency"]["p99_ms"], m["join_latency"]["max_ms"]) if m.get("join_latency", {}).get("count") else "–",
                 num(m, "joined_members")]
    else:
        cells = []
    engine = (doc.get("label") or "").replace("myelin ", "")
    return [engine] + [str(c) for c in cells] + [doc["load_average_before"].split(" ")[0], mb(doc, "before"), mb(doc, "after"), status(doc)]


def main():
    directory = sys.argv[1]
    docs = []
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        try:
            doc = json.load(open(path))
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict) and doc.get("tool") == "myelin-load":
            docs.append(doc)
    for path in sorted(glob.glob(os.path.join(directory, "*-idle.json"))):
        idle = json.load(open(path))
        print("Idle RSS after start (%s): %.0f MB (load average %s)  " % (idle["engine"], idle["idle_rss_kb"] / 1024, idle["load_average"]))
    print()
    for name, columns in COLUMNS.items():
        chosen = [d for d in docs if d["result"]["scenario"] == name]
        # One table per scenario, rows ordered by engine, then by size (rooms, senders, syncers, ...).
        chosen.sort(key=lambda d: (d.get("label") or "", [v for v in d["result"]["parameters"].values() if isinstance(v, (int, float))]))
        rows = [row(d) for d in chosen]
        if not rows:
            continue
        header = ["engine"] + columns + ["load avg", "RSS before (MB)", "RSS after (MB)", "status"]
        print("**%s**\n" % name)
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for r in rows:
            print("| " + " | ".join(r) + " |")
        print()


if __name__ == "__main__":
    main()
