#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/report.py — turn one bench run's raw results into RESULTS.md.

    report.py TMPDIR OUT [FAILURE...]

Reads TMPDIR/results.jsonl (one line per scenario x server x run, written
by bench/run), meta.json, commands.tsv and the rendered configs. Every
figure in a table is the median of the runs; ratios are computed from the
medians. Standard library only.
"""
import json
import math
import os
import statistics
import sys
import time

SERVERS = ["recd", "nginx", "varnish"]


def load(tdir):
    results = {}
    with open(os.path.join(tdir, "results.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            results.setdefault(r["scenario"], {}).setdefault(r["server"], []).append(r["data"])
    meta = json.load(open(os.path.join(tdir, "meta.json")))
    commands = {}
    with open(os.path.join(tdir, "commands.tsv")) as f:
        for line in f:
            scenario, server, cmd = line.rstrip("\n").split("\t", 2)
            commands.setdefault(scenario, []).append((server, cmd.strip()))
    return results, meta, commands


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=0, unit=""):
    if v is None:
        return "—"
    if isinstance(v, float) and digits == 0 and abs(v) < 10:
        digits = 1
    return f"{v:,.{digits}f}{unit}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(r):
    return "—" if r is None else f"**{r:.2f}×**"


def metric(results, scenario, server, fn):
    runs = results.get(scenario, {}).get(server, [])
    vals = []
    for d in runs:
        try:
            vals.append(fn(d))
        except (KeyError, TypeError, ZeroDivisionError):
            vals.append(None)
    return med(vals), vals


def runs_note(vals, digits=0):
    return " / ".join(fmt(v, digits) for v in vals)


class Doc:
    def __init__(self, tdir, root=""):
        self.lines = []
        self.tdir = tdir
        self.root = root

    def add(self, *lines):
        self.lines.extend(lines)

    def clean(self, text):
        text = text.replace(self.tdir, "$T")
        return text.replace(self.root + "/", "") if self.root else text

    def commands(self, commands, scenario):
        cmds = commands.get(scenario, [])
        if not cmds:
            return
        self.add("", "Commands (run 1; `$T` is the run's temp dir):", "", "```sh")
        for server, cmd in cmds:
            self.add(f"# {server}", self.clean(cmd))
        self.add("```")


def table(doc, header, rows):
    doc.add("", "| " + " | ".join(header) + " |", "|" + "---|" * len(header))
    for row in rows:
        doc.add("| " + " | ".join(str(c) for c in row) + " |")


WARM = ["recd", "nginx", "nginx_np", "varnish"]
WARM_HEADER = ["median of runs", "recd", "nginx (tcp_nopush on)", "nginx (tcp_nopush off)", "Varnish",
               "recd ÷ best nginx", "recd ÷ Varnish"]


def rate_row(results, scenario, label, fn, digits=0):
    vals = {s: metric(results, scenario, s, fn) for s in WARM}
    m = {s: vals[s][0] for s in WARM}
    nginx_best = max([v for v in (m["nginx"], m["nginx_np"]) if v is not None], default=None)
    row = [label] + [fmt(m[s], digits) for s in WARM]
    row += [fmt_ratio(ratio(m["recd"], nginx_best)), fmt_ratio(ratio(m["recd"], m["varnish"]))]
    runs = "; ".join(f"{s}: {runs_note(vals[s][1], digits)}" for s in WARM)
    return row, m, nginx_best, runs


def warm_section(doc, results, commands, meta, scenario, title, what, target, with_mb=True):
    doc.add("", f"### {title}", "", what)
    rows = []
    size = meta["size_small"] if scenario in ("warm_head", "warm_get_small") else meta["size_large"]
    if scenario == "seek":
        size = meta["seek_len"]
    if scenario == "warm_head":
        row, m, best, runs = rate_row(results, scenario, "requests/s", lambda d: d["rps"])
    else:
        row, m, best, runs = rate_row(results, scenario, "requests/s",
                                      lambda d: d["requests"] / (d["duration_us"] / 1e6))
    rows.append(row)
    if with_mb and scenario != "warm_head":
        row2, _, _, _ = rate_row(results, scenario, "MB/s (audio bytes, 10⁶)",
                                 lambda d: d["requests"] * size / (d["duration_us"] / 1e6) / 1e6)
        rows.append(row2)
        row3, _, _, _ = rate_row(results, scenario, "latency p99 (ms)",
                                 lambda d: d["latency_us"]["p99"] / 1000, 2)
        row3[-2] = row3[-1] = "(lower is better)"
        rows.append(row3)
    row4, _, _, _ = rate_row(results, scenario, "server CPU per request (µs)",
                             lambda d: d["cpu_us_per_req"], 2)
    row4[-2] = row4[-1] = "(lower is better)"
    rows.append(row4)
    table(doc, WARM_HEADER, rows)
    doc.add("", f"<sub>requests/s per run — {runs}</sub>")
    r = ratio(m["recd"], best)
    goal = float(target.split("≥ ")[1].split("×")[0])
    doc.add("", f"Target: {target}. Measured **{fmt(r, 2)}×** the better nginx — " +
            ("met." if r is not None and r >= goal else "**missed**."))
    doc.commands(commands, scenario)
    return r


def herd_section(doc, results, commands, meta, lat):
    scenario = f"herd_{lat}"
    lat_ms = int(lat)
    doc.add("", f"### Cold herd, provider latency {lat_ms / 1000:g} s",
            "", f"{meta['herd_n']} clients at once ask for one uncached recording "
            f"({meta['size_small']:,} bytes); the provider waits {lat_ms:,} ms before its first byte. "
            "Times are from the moment the first client connects until each client holds its complete 200.")
    res = results.get(scenario, {})
    get = lambda s, fn: metric(results, scenario, s, fn)
    rows = []
    dl = {s: get(s, lambda d: d["downloads"]) for s in SERVERS}
    rows.append(["upstream downloads (exact, /_stats)"] + [runs_note(dl[s][1]) for s in SERVERS] + ["", ""])
    for key, label in (("p50", "time to 200, p50 (ms)"), ("p99", "time to 200, p99 (ms)"), ("max", "time to 200, max (ms)")):
        v = {s: get(s, lambda d, k=key: d["client"]["done_ms"][k])[0] for s in SERVERS}
        rows.append([label] + [fmt(v[s]) for s in SERVERS] +
                    [fmt_ratio(ratio(v["nginx"], v["recd"])), fmt_ratio(ratio(v["varnish"], v["recd"]))])
    rq = {s: get(s, lambda d: d["client"]["requests"]["max"])[0] for s in SERVERS}
    rows.append(["requests per client (max)"] + [fmt(rq[s]) for s in SERVERS] + ["", ""])
    ok = {s: get(s, lambda d: d["client"]["ok"])[0] for s in SERVERS}
    rows.append(["clients served"] + [f"{fmt(ok[s])}/{fmt(meta['herd_n'])}" for s in SERVERS] + ["", ""])
    table(doc, ["median of runs", "recd", "nginx", "Varnish", "nginx ÷ recd (time)", "Varnish ÷ recd (time)"], rows)
    recd_dl = dl["recd"][1]
    p99 = get("recd", lambda d: d["client"]["done_ms"]["p99"])
    p99_max = max([v for v in p99[1] if v is not None], default=None)
    rq_max = max([v for v in get("recd", lambda d: d["client"]["requests"]["max"])[1] if v is not None], default=None)
    return {
        "lat": lat_ms,
        "downloads": recd_dl,
        "p99": p99[0],
        "p99_worst": p99_max,
        "req_max": rq_max,
        "nginx_dl": dl["nginx"][1],
        "varnish_dl": dl["varnish"][1],
        "p99_all": {s: get(s, lambda d: d["client"]["done_ms"]["p99"])[0] for s in SERVERS},
    }


def many_section(doc, results, commands, meta):
    scenario = "many_cold"
    n, lat, w = meta["many_n"], meta["many_lat"], meta["workers"]
    doc.add("", "### Many cold", "",
            f"{n:,} distinct uncached recordings requested at once (one client each); the provider "
            f"waits {lat} ms before each first byte. recd runs `--workers {w}`.")
    get = lambda s, fn: metric(results, scenario, s, fn)
    rows = []
    wall = {s: get(s, lambda d: d["client"]["wall_ms"]) for s in SERVERS}
    rows.append(["total time until all served (ms)"] + [fmt(wall[s][0]) for s in SERVERS] +
                [fmt_ratio(ratio(wall["nginx"][0], wall["recd"][0])), fmt_ratio(ratio(wall["varnish"][0], wall["recd"][0]))])
    dl = {s: get(s, lambda d: d["provider"]["downloads"]) for s in SERVERS}
    rows.append(["upstream downloads"] + [runs_note(dl[s][1]) for s in SERVERS] + ["", ""])
    dup = {s: get(s, lambda d: d["provider"]["duplicates"]) for s in SERVERS}
    rows.append(["duplicate downloads"] + [runs_note(dup[s][1]) for s in SERVERS] + ["", ""])
    rss = {s: get(s, lambda d: d["peak_rss_kib"] / 1024) for s in SERVERS}
    rows.append(["peak RSS (MiB, all processes)"] + [fmt(rss[s][0], 1) for s in SERVERS] +
                [fmt_ratio(ratio(rss["nginx"][0], rss["recd"][0])), fmt_ratio(ratio(rss["varnish"][0], rss["recd"][0]))])
    rq = {s: get(s, lambda d: d["client"]["requests"]["max"])[0] for s in SERVERS}
    rows.append(["requests per client (max)"] + [fmt(rq[s]) for s in SERVERS] + ["", ""])
    ok = {s: get(s, lambda d: d["client"]["ok"])[0] for s in SERVERS}
    rows.append(["clients served"] + [f"{fmt(ok[s])}/{fmt(n)}" for s in SERVERS] + ["", ""])
    table(doc, ["median of runs", "recd", "nginx", "Varnish", "nginx ÷ recd", "Varnish ÷ recd"], rows)
    rounds = math.ceil(n / w)
    ideal = rounds * lat
    recd_wall = wall["recd"][0]
    doc.add("", f"The arithmetic: recd downloads with {w} workers, one recording each at a time. "
            f"{n:,} recordings ÷ {w} workers = {rounds} rounds × {lat} ms provider latency = "
            f"**{ideal:,} ms** lower bound. Measured {fmt(recd_wall)} ms, "
            f"so recd's own overhead (listing request, store transactions, fsync + rename, "
            f"waking the held client, serving the file) is {fmt(recd_wall - ideal if recd_wall else None)} ms in total, "
            f"{fmt((recd_wall - ideal) / rounds if recd_wall else None, 1)} ms per round "
            f"({fmt(100 * (recd_wall - ideal) / ideal if recd_wall else None)} % over the bound). "
            "nginx and Varnish open one upstream connection per request with no limit, so they finish "
            "in about one provider latency — the trade recd makes on purpose: its load on the "
            "provider is capped at `--workers` connections.")
    return {"wall": recd_wall, "ideal": ideal, "downloads": dl["recd"][1], "dups": dup["recd"][1],
            "rss": rss["recd"][0], "rounds": rounds}


def held_section(doc, results, commands, meta):
    scenario = "held"
    runs = results.get(scenario, {}).get("recd", [])
    doc.add("",
            f"{meta['hold_n']:,} held requests (`Prefer: wait=30`) for {meta['hold_distinct']:,} distinct "
            f"uncached recordings while the provider takes {meta['hold_lat'] / 1000:g} s (so nothing "
            f"completes during the measurement); a fresh recd per run. Once recd's "
            f"`recd_held_requests` gauge shows all of them, a {meta['hold_s']} s window samples recd's RSS "
            "and CPU every 100 ms and sends `GET /healthz` on a new connection every 10 ms.")
    get = lambda fn: metric(results, scenario, "recd", fn)
    base = get(lambda d: d["rss_base_kib"] / 1024)
    peak_win = get(lambda d: d["client"]["rss_kib"]["max"] / 1024)
    hwm = get(lambda d: d["peak_rss_kib"] / 1024)
    per = get(lambda d: (d["client"]["rss_kib"]["max"] - d["rss_base_kib"]) * 1024 / d["client"]["clients"])
    cpu = get(lambda d: d["client"]["cpu_pct"])
    ramp = get(lambda d: d["client"]["ramp_ms"])
    p50 = get(lambda d: d["client"]["probe"]["p50_ms"])
    p99 = get(lambda d: d["client"]["probe"]["p99_ms"])
    pmax = get(lambda d: d["client"]["probe"]["max_ms"])
    probes = get(lambda d: d["client"]["probe"]["n"])
    held = get(lambda d: d["client"]["held_metric"])
    rows = [
        ["held requests (recd_held_requests)", fmt(held[0]), runs_note(held[1])],
        ["time to open and send all (ms)", fmt(ramp[0]), runs_note(ramp[1])],
        ["RSS before the clients (MiB)", fmt(base[0], 1), runs_note(base[1], 1)],
        ["RSS while holding, max of samples (MiB)", fmt(peak_win[0], 1), runs_note(peak_win[1], 1)],
        ["peak RSS over the run, VmHWM (MiB)", fmt(hwm[0], 1), runs_note(hwm[1], 1)],
        ["RSS per held request (bytes)", fmt(per[0]), runs_note(per[1])],
        ["CPU while holding (% of one core)", fmt(cpu[0], 2), runs_note(cpu[1], 2)],
        ["/healthz probes", fmt(probes[0]), runs_note(probes[1])],
        ["/healthz latency p50 (ms)", fmt(p50[0], 3), runs_note(p50[1], 3)],
        ["/healthz latency p99 (ms)", fmt(p99[0], 3), runs_note(p99[1], 3)],
        ["/healthz latency max (ms)", fmt(pmax[0], 3), runs_note(pmax[1], 3)],
    ]
    table(doc, ["recd", "median", "runs"], rows)
    doc.add("", "nginx and Varnish are not measured here: neither can hold a request for a "
            "recording that is not ready yet and answer it with the audio once a bounded pool "
            "fetched it — nginx's `proxy_cache_lock` gives up after 5 s and sends every waiter "
            "upstream (see the herd), and this scenario's subject is recd's own cost of holding.")
    return {"hwm": hwm[0], "peak_win": peak_win[0], "p99": p99[0], "cpu": cpu[0], "per": per[0],
            "hwm_runs": hwm[1], "p99_runs": p99[1]}


def met(ok):
    return "✅ met" if ok else "❌ **missed**"


def main():
    tdir, out, failures = sys.argv[1], sys.argv[2], sys.argv[3:]
    results, meta, commands = load(tdir)
    doc = Doc(tdir, meta.get("root", ""))
    body = Doc(tdir, meta.get("root", ""))

    r_head = warm_section(body, results, commands, meta, "warm_head", "Warm HEAD",
                          f"`HEAD /stream?call_sid=…` of a cached {meta['size_small']:,}-byte recording, "
                          f"`ab -i -k -c{meta['conc']}` for {meta['warm_s']} s per run.",
                          "≥ 1.0× nginx requests/s", with_mb=False)
    r_small = warm_section(body, results, commands, meta, "warm_get_small", "Warm GET, ~100 KiB",
                           f"`GET` of a cached {meta['size_small']:,}-byte recording ({meta['dur_small']} s of "
                           f"8 kHz 16-bit mono WAV), wrk, 2 threads, {meta['conc']} connections, {meta['warm_s']} s per run.",
                           "≥ 0.9× nginx requests/s")
    r_large = warm_section(body, results, commands, meta, "warm_get_large", "Warm GET, ~1 MiB",
                           f"`GET` of a cached {meta['size_large']:,}-byte recording ({meta['dur_large']} s), same wrk settings.",
                           "≥ 0.9× nginx requests/s")
    r_seek = warm_section(body, results, commands, meta, "seek", "Seek",
                          f"`Range: bytes=a-(a+{meta['seek_len'] - 1})` ({meta['seek_len'] // 1024} KiB) at uniformly random "
                          f"offsets in the {meta['size_large']:,}-byte recording (wrk + `bench/wrk/bench.lua`), 206 answers.",
                          "≥ 0.9× nginx requests/s")
    body.add("", "## Cold scenarios")
    herds = [herd_section(body, results, commands, meta, lat) for lat in meta["herd_lats"]]
    for lat in meta["herd_lats"]:
        body.add("", f"The commands below are the {int(lat) / 1000:g} s herd's; the others differ only in the call_sid.")
        body.commands(commands, f"herd_{lat}")
        break
    many = many_section(body, results, commands, meta)
    body.commands(commands, "many_cold")
    body.add("", "## Held connections")
    held = held_section(body, results, commands, meta)
    body.commands(commands, "held")

    # ---- summary -------------------------------------------------------------
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    doc.add("# recd benchmark results", "",
            f"Generated by `{'make bench' if meta['mode'] == 'full' else 'make bench-smoke'}` on {date} "
            f"({meta['mode']} mode, {meta['elapsed_s']} s; load average {meta['load_start']} at the start). Every figure is the **median of {meta['runs']} "
            f"run{'s' if meta['runs'] > 1 else ''}**; runs are interleaved (recd, nginx, Varnish, recd, …) "
            "and ratios are computed from the medians.")
    if failures:
        doc.add("", "**Correctness failures in this run:**", "")
        doc.add(*[f"- {f}" for f in failures])
    doc.add("", "## Machine and set-up", "",
            f"- {meta['cpu']}, **{meta['nproc']} cores shared by the load generator and the servers** "
            "(nothing pinned: the client competes with the server it measures, for all three alike), "
            f"{meta['mem_mib']:,} MiB RAM, {meta['os']}, kernel {meta['kernel']}; temp dir on {meta['fs']}.",
            f"- recd: `{meta['recd']}`, one process, libmicrohttpd epoll thread pool (one thread per core), "
            f"SQLite store, `--workers {meta['workers']}`, `--log-level warn`.",
            f"- nginx: `{meta['nginx']}`, `worker_processes auto` (= {meta['nproc']}); "
            "warm scenarios: the same files recd cached, copied into nginx's root and served from disk "
            "at recd's URL `/stream?call_sid=…` (`try_files`), with sendfile, open_file_cache, "
            "no access log — measured twice, with `tcp_nopush on` (Debian's default; faster whole-file "
            "GETs) and `tcp_nopush off` (without it 64 KiB range answers stall ~40 ms on loopback), "
            "and recd is compared with **the better of the two**; cold scenarios: `proxy_cache` + `proxy_cache_lock on` with its defaults, "
            "proxying to the fake provider's `/url-media/{call_sid}.wav`.",
            f"- Varnish: `{meta['varnish']}`, `-s malloc,256m`, everything else default; warm scenarios: "
            "**Varnish in front of nginx-as-origin** (the files from disk), so every measured request "
            "is a Varnish cache hit from memory; cold scenarios: in front of the fake provider's "
            "`/url-media/{call_sid}.wav`, request coalescing by its defaults.",
            f"- Load: `{meta['ab']}` for HEAD (wrk waits for a body after HEAD), `{meta['wrk']}` for GET "
            "and seek, and `bench/client` (C, one epoll thread, built by the bench) for the cold and "
            "held scenarios. Provider: `tools/fake-provider` (Twilio stand-in; recd uses the Twilio "
            "listing + media path with Basic auth, nginx and Varnish its unauthenticated plain media URL).")

    doc.add("", "## Targets", "")
    rows = [
        ["warm HEAD requests/s ≥ 1.0× nginx", f"{fmt(r_head, 2)}×", met(r_head is not None and r_head >= 1.0)],
        ["warm GET ~100 KiB ≥ 0.9× nginx", f"{fmt(r_small, 2)}×", met(r_small is not None and r_small >= 0.9)],
        ["warm GET ~1 MiB ≥ 0.9× nginx", f"{fmt(r_large, 2)}×", met(r_large is not None and r_large >= 0.9)],
        ["seek (64 KiB ranges) ≥ 0.9× nginx", f"{fmt(r_seek, 2)}×", met(r_seek is not None and r_seek >= 0.9)],
    ]
    for h in herds:
        ok_dl = bool(h["downloads"]) and all(d == 1 for d in h["downloads"])
        rows.append([f"herd {h['lat'] / 1000:g} s: exactly 1 upstream download",
                     f"recd {runs_note(h['downloads'])} (nginx {runs_note(h['nginx_dl'])}, Varnish {runs_note(h['varnish_dl'])})",
                     met(ok_dl)])
        limit = h["lat"] + 100
        rows.append([f"herd {h['lat'] / 1000:g} s: p99 ≤ {limit:,} ms (provider + 100 ms)",
                     f"{fmt(h['p99'])} ms (worst run {fmt(h['p99_worst'])} ms)",
                     met(h["p99_worst"] is not None and h["p99_worst"] <= limit)])
        rows.append([f"herd {h['lat'] / 1000:g} s: ≤ 2 requests per client",
                     f"max {fmt(h['req_max'])}", met(h["req_max"] is not None and h["req_max"] <= 2)])
    ok_many = bool(many["downloads"]) and all(d == meta["many_n"] for d in many["downloads"]) and all(d == 0 for d in many["dups"])
    rows.append([f"many cold: {meta['many_n']:,} downloads, 0 duplicates",
                 f"{runs_note(many['downloads'])} downloads, {runs_note(many['dups'])} duplicates", met(ok_many)])
    over = None if many["wall"] is None else (many["wall"] - many["ideal"]) / many["ideal"]
    rows.append(["many cold: bounded by workers × latency, not recd's overhead",
                 f"{fmt(many['wall'])} ms vs bound {many['ideal']:,} ms ({fmt(100 * over if over is not None else None)} % over)",
                 met(over is not None and over <= 0.10) + " (within 10 % of the bound)"])
    hwm_worst = max([v for v in held["hwm_runs"] if v is not None], default=None)
    p99_worst = max([v for v in held["p99_runs"] if v is not None], default=None)
    rows.append([f"{meta['hold_n']:,} held requests in ≤ 64 MiB RSS",
                 f"peak {fmt(held['hwm'], 1)} MiB (worst run {fmt(hwm_worst, 1)}), {fmt(held['per'])} B per held request",
                 met(hwm_worst is not None and hwm_worst <= 64)])
    rows.append(["/healthz p99 < 10 ms while holding", f"{fmt(held['p99'], 3)} ms (worst run {fmt(p99_worst, 3)})",
                 met(p99_worst is not None and p99_worst < 10)])
    table(doc, ["target", "measured", ""], rows)
    doc.add("", "Missed targets were profiled (perf, strace, massif and A/B builds); causes and "
            "suggested fixes are in [`bench/PROFILE.md`](PROFILE.md). The machine is shared: "
            f"load average {meta['load_start']} at the start and {' '.join(meta['load_end'])} at the end of "
            "this run; the per-run figures under each table show the spread, and *server CPU per "
            "request* (from /proc, insensitive to how much CPU other processes took) is the "
            "steadier efficiency measure.")

    doc.add("", "## Warm scenarios", "",
            "All against recordings recd already cached; nginx serves the very same files from disk.")
    doc.lines.extend(body.lines)

    doc.add("", "## Reproduce", "", "```sh", "make bench        # full run, ~8 minutes, rewrites bench/RESULTS.md",
            "make bench-smoke  # tiny sizes, < 2 minutes, what CI runs", "```", "",
            "`bench/run` installs nginx, varnish, wrk and apache2-utils from Debian if missing, builds "
            "`bench/client`, starts the fake provider, recd, nginx and varnishd on free 127.0.0.1 ports "
            "in a fresh temp dir (`$T`), and stops them by PID on exit.", "",
            "Processes:", "", "```sh",
            doc.clean(meta["fp_cmd"]), doc.clean(meta["recd_cmd"]),
            "# held scenario, a fresh recd per run:", doc.clean(meta["held_recd_cmd"] or "(same flags)"),
            doc.clean(meta["nginx_cmd"]), doc.clean(meta["varnish_cmd"]), "```")
    for name, title, lang in (("nginx.conf", "nginx.conf (rendered from bench/conf/nginx.conf.in)", "nginx"),
                              ("bench.vcl", "bench.vcl (rendered from bench/conf/varnish.vcl.in)", "vcl")):
        path = os.path.join(tdir, name)
        if os.path.exists(path):
            doc.add("", f"<details><summary>{title}</summary>", "", f"```{lang}",
                    doc.clean(open(path).read().rstrip()), "```", "", "</details>")
    with open(out, "w") as f:
        f.write("\n".join(doc.lines) + "\n")


if __name__ == "__main__":
    main()
