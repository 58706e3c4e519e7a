#include "workload.h"

#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace airlock::bench {

Workload loadWorkload(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  nlohmann::json j = nlohmann::json::parse(in);
  if (j.value("format", "") != "airlock-policy-bench/v1") throw std::runtime_error(path + ": unknown format");
  Workload w;
  w.roles = j.at("roles").get<std::vector<std::string>>();
  for (const auto& u : j.at("users")) w.users.push_back({u.at("id"), u.at("roles").get<std::vector<std::string>>()});
  for (const auto& r : j.at("rules"))
    w.rules.push_back({r.at("id"), r.at("effect"), r.at("role"), r.at("action"), r.at("path_prefix")});
  for (const auto& q : j.at("requests"))
    w.requests.push_back({q.at("user"), q.at("action"), q.at("path"), q.at("expected"),
                          q.at("expected_reasons").get<std::vector<std::string>>()});
  return w;
}

Workload syntheticWorkload(int nRules, int nRequests, unsigned seed) {
  std::mt19937 rng(seed);
  const std::vector<std::string> actions = {"read", "write", "exec"};
  const int nRoles = 50;
  // Enough prefixes that allow rules are distinct (role, prefix, action) triples.
  int nPrefixes = std::max(20, nRules / (nRoles * 3) * 2 + 1);
  Workload w;
  for (int r = 0; r < nRoles; ++r) w.roles.push_back("role" + std::to_string(r));
  std::vector<std::string> prefixes;
  for (int p = 0; p < nPrefixes; ++p) prefixes.push_back("/ws/proj" + std::to_string(p) + "/");
  int nDeny = nRules / 20;
  int nAllow = nRules - nDeny;
  std::vector<std::tuple<int, int, int>> triples;
  for (int r = 0; r < nRoles; ++r)
    for (int p = 0; p < nPrefixes; ++p)
      for (int a = 0; a < 3; ++a) triples.emplace_back(r, p, a);
  std::shuffle(triples.begin(), triples.end(), rng);
  for (int i = 0; i < nAllow && i < static_cast<int>(triples.size()); ++i) {
    auto [r, p, a] = triples[static_cast<std::size_t>(i)];
    w.rules.push_back({"a" + std::to_string(i), "allow", w.roles[static_cast<std::size_t>(r)],
                       actions[static_cast<std::size_t>(a)], prefixes[static_cast<std::size_t>(p)]});
  }
  const std::vector<std::string> carve = {"secrets/", ".git/hooks/", "prod/"};
  for (int i = 0; i < nDeny; ++i) {
    std::string role = rng() % 10 < 4 ? "*" : w.roles[rng() % nRoles];
    w.rules.push_back({"d" + std::to_string(i), "deny", role, actions[rng() % 3],
                       prefixes[rng() % prefixes.size()] + carve[rng() % carve.size()]});
  }
  for (int u = 0; u < 200; ++u) {
    BenchUser user{"user" + std::to_string(u), {}};
    int n = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < n; ++k) user.roles.push_back(w.roles[rng() % nRoles]);
    std::sort(user.roles.begin(), user.roles.end());
    user.roles.erase(std::unique(user.roles.begin(), user.roles.end()), user.roles.end());
    w.users.push_back(std::move(user));
  }
  const std::vector<std::string> dirs = {"src/", "docs/", "tests/"};
  for (int i = 0; i < nRequests; ++i) {
    BenchRequest q;
    q.user = w.users[rng() % w.users.size()].id;
    unsigned a = rng() % 10;
    q.action = a < 6 ? "read" : a < 9 ? "write" : "exec";
    unsigned kind = rng() % 20;
    std::string file = "f" + std::to_string(rng() % 1000) + ".txt";
    if (kind < 2) q.path = "/etc/" + file;
    else if (kind < 7) q.path = prefixes[rng() % prefixes.size()] + carve[rng() % carve.size()] + file;
    else q.path = prefixes[rng() % prefixes.size()] + dirs[rng() % dirs.size()] + "m" + std::to_string(rng() % 50) + "/" + file;
    w.requests.push_back(std::move(q));
  }
  return w;
}

std::string airlockAction(const std::string& a) {
  if (a == "read") return "fs.read";
  if (a == "write") return "fs.write";
  return "exec";
}

std::string toPolicyYaml(const Workload& w) {
  std::ostringstream y;
  y << "version: 1\nusers:\n";
  for (const auto& u : w.users) {
    y << "  " << u.id << ": { roles: [";
    for (std::size_t i = 0; i < u.roles.size(); ++i) y << (i ? ", " : "") << u.roles[i];
    y << "] }\n";
  }
  std::map<std::string, std::vector<const BenchRule*>> allow, deny;
  std::vector<const BenchRule*> global;
  for (const auto& r : w.rules) {
    if (r.role == "*") global.push_back(&r);
    else (r.effect == "allow" ? allow : deny)[r.role].push_back(&r);
  }
  auto entry = [&](const BenchRule* r) {
    y << "      - { id: " << r->id << ", action: " << airlockAction(r->action) << ", path: \"" << r->prefix
      << "**\" }\n";
  };
  y << "roles:\n";
  for (const auto& role : w.roles) {
    y << "  " << role << ":\n";
    if (allow.count(role)) {
      y << "    allow:\n";
      for (const auto* r : allow[role]) entry(r);
    }
    if (deny.count(role)) {
      y << "    deny:\n";
      for (const auto* r : deny[role]) entry(r);
    }
  }
  if (!global.empty()) {
    y << "rules:\n";
    for (const auto* r : global)
      y << "  - { id: " << r->id << ", " << r->effect << ": { action: " << airlockAction(r->action) << ", path: \""
        << r->prefix << "**\" } }\n";
  }
  y << "defaults: { decision: deny }\n";
  return y.str();
}

}  // namespace airlock::bench
