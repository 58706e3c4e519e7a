// Fuzzes the Claude Code hook adapter end to end: JSON parsing, tool mapping, shell analysis,
// and the gate's canonicalization, against a real gate on a temporary state directory. The
// property: it never crashes, and a reply is always exit 0 with a JSON decision or exit 2.
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "adapters/hook/hook.h"
#include "fuzz_gate.h"

namespace {

const char* kPolicy = R"(version: 1
users: { "*": { roles: [dev] } }
agents: { claude-code: { roles: [dev] } }
classify: [{ path: "~/.ssh/**", label: "secret{credentials}" }]
sinks:
  api: { http: { hosts: [api.test], methods: [POST] }, credentials: { header: x-api-key, sha256: ["0000000000000000000000000000000000000000000000000000000000000000"] }, clearance: confidential }
roles:
  dev:
    allow:
      - { action: [fs.read, fs.list, fs.write], path: "/tmp/**" }
      - { action: exec }
      - { action: net.request, sink: api }
    ask: [{ action: exec, when: request.opaque }]
rules:
  - { id: secrets, deny: { action: [fs.read, fs.write] }, when: "request.label >= secret" }
)";

airlock::gate::Gate* gate() {
  static std::unique_ptr<airlock::gate::Gate> g = airlock::fuzz::openGate(kPolicy, "hookfuzz");
  return g.get();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  airlock::adapters::hook::HookContext ctx;
  ctx.user = "fuzz";
  ctx.home = "/home/fuzz";
  auto reply = airlock::adapters::hook::handle(in, *gate(), ctx);
  if (reply.exitCode != 0 && reply.exitCode != 2) __builtin_trap();
  if (reply.exitCode == 2 && reply.err.find("airlock: deny") == std::string::npos) __builtin_trap();
  return 0;
}
