#!/usr/bin/env python3
"""A minimal MCP client for bench/mcp.sh: starts CMD…, initializes, then sends N requests one at
a time (each waits for its answer) and prints one JSON line with the round trips.

Usage: mcp_client.py N METHOD TOOL ARGS_JSON -- CMD [ARGS…]
  METHOD ping | tools/call (TOOL and ARGS_JSON are used for tools/call)
cmd_cpu_us is the CPU time per request of the process CMD starts itself (airlock mcp when
proxied, the server when direct), from /proc/PID/stat: its children are not counted.
"""
import json
import os
import statistics
import subprocess
import sys
import time

n = int(sys.argv[1])
method, tool, args = sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
cmd = sys.argv[sys.argv.index("--") + 1:]
p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)


def ask(i, m, params):
    p.stdin.write((json.dumps({"jsonrpc": "2.0", "id": i, "method": m, "params": params}) + "\n").encode())
    while True:
        line = p.stdout.readline()
        if not line:
            raise SystemExit("server closed")
        msg = json.loads(line)
        if msg.get("id") == i:
            return msg, len(line)


ask(0, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}})
p.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
params = {"name": tool, "arguments": args} if method == "tools/call" else {}
for i in range(1, 1 + min(20, n)):  # warm-up
    ask(i, method, params)
def cpu_ticks(pid):
    """utime + stime of the process CMD started (airlock when proxied, else the server), not its children."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


times, size = [], 0
cpu0 = cpu_ticks(p.pid)
start = time.perf_counter()
for i in range(100, 100 + n):
    t = time.perf_counter()
    msg, size = ask(i, method, params)
    times.append(time.perf_counter() - t)
    if "error" in msg or msg.get("result", {}).get("isError"):
        raise SystemExit(f"request failed: {json.dumps(msg)[:300]}")
total = time.perf_counter() - start
cpu = (cpu_ticks(p.pid) - cpu0) / os.sysconf("SC_CLK_TCK")
p.stdin.close()
p.wait(timeout=30)
times.sort()
print(json.dumps({"n": n, "method": method, "tool": tool, "bytes": size, "msgs_per_s": round(n / total),
                  "p50_us": round(times[len(times) // 2] * 1e6), "p99_us": round(times[int(len(times) * 0.99)] * 1e6),
                  "mean_us": round(statistics.mean(times) * 1e6), "cmd_cpu_us": round(cpu / n * 1e6, 1)}))
