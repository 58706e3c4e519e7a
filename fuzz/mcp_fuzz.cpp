// Fuzzes the MCP proxy's message handling (src/adapters/mcp/mcp.h) against a real gate on a
// temporary state directory: the input is split at newlines into messages, each fed to the
// relay from the client and then from the server. The properties: it never crashes; every line
// it produces for the client or the server is one JSON value, and for the client a JSON-RPC
// message (airlock's own elicitation questions for `ask`s included); nothing it forwards to the server is a denied call's id it has already answered.
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "adapters/mcp/mcp.h"
#include "fuzz_gate.h"

namespace {

const char* kPolicy = R"(version: 1
users: { "*": { roles: [dev] } }
classify: [{ detectors: [us_ssn], label: "confidential{pii}" }]
roles:
  dev:
    allow:
      - { action: tool.call, tool: ["filesystem/read_text_file", "filesystem/list_directory"] }
      - { action: [fs.read, fs.list], path: "/tmp/**" }
    ask:
      - { action: fs.read, path: "/tmp/ask/**" }
)";

airlock::gate::Gate* gate() {
  static std::unique_ptr<airlock::gate::Gate> g = airlock::fuzz::openGate(kPolicy, "mcpfuzz");
  return g.get();
}

void checkLines(const std::string& out, bool jsonRpc) {
  std::size_t start = 0;
  while (start < out.size()) {
    const std::size_t nl = out.find('\n', start);
    if (nl == std::string::npos) __builtin_trap();  // every message ends with a newline
    const std::string_view line(out.data() + start, nl - start);
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) __builtin_trap();
    if (jsonRpc && !j.is_object() && !j.is_array()) __builtin_trap();
    start = nl + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  airlock::mcp::Options o;
  o.server = "filesystem";
  o.user = "fuzz";
  o.session = "fuzz";
  o.cwd = "/tmp";
  o.maxMessageBytes = 1 << 16;
  airlock::mcp::Relay relay(*gate(), o);
  std::string toServer, toClient, fromServer;
  std::size_t start = 0;
  while (start <= in.size()) {
    std::size_t nl = in.find('\n', start);
    if (nl == std::string_view::npos) nl = in.size();
    const std::string_view line = in.substr(start, nl - start);
    relay.fromClient(line, toServer, toClient);
    relay.fromServer(line, fromServer, toServer);
    start = nl + 1;
  }
  relay.expireAsks(std::chrono::steady_clock::now() + std::chrono::hours(1), toClient);
  relay.serverGone("exited", toClient);
  checkLines(toClient, true);
  checkLines(fromServer, false);
  // What goes to the server is the client's own lines (or a batch rebuilt from them), and
  // airlock's own tools/list requests.
  checkLines(toServer, false);
  return 0;
}
