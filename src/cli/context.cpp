#include "cli/context.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <fmt/format.h>

namespace airlock::cli {

std::string Context::policySource() const {
  if (!policyFlag.empty()) return policyFlag;
  std::string envPolicy = env.get("AIRLOCK_POLICY");
  if (!envPolicy.empty()) return envPolicy;
  std::string config = env.get("XDG_CONFIG_HOME", env.home() + "/.config") + "/airlock/policy.yaml";
  struct stat st {};
  if (stat(config.c_str(), &st) == 0) return config;
  return "built-in default";
}

core::Result<std::shared_ptr<const policy::Policy>> Context::loadPolicy() const {
  std::string src = policySource();
  if (src == "built-in default") return policy::Policy::load(kBuiltinPolicy, "<built-in default>", env.home());
  return policy::Policy::loadFile(src, env.home());
}

core::Result<std::unique_ptr<gate::Gate>> Context::openGate(std::shared_ptr<const policy::Policy> policy) const {
  gate::GateOptions opts;
  opts.stateDir = stateDir();
  opts.home = env.home();
  opts.cwd = env.cwd;
  opts.dlpKey = env.get("AIRLOCK_DLP_KEY");
  opts.inspectLimits.pdfHelper = pdfHelper();
  return gate::Gate::open(std::move(policy), std::move(opts));
}

std::string Context::pdfHelper() const {
  std::string fromEnv = env.get("AIRLOCK_PDF_HELPER");
  if (!fromEnv.empty()) return fromEnv;
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return (self.parent_path() / "airlock-pdf").string();
}

std::string Context::user() const {
  std::string u = env.get("AIRLOCK_USER");
  return u.empty() ? env.osUser : u;
}

core::Result<std::string> readAll(int fd, std::size_t limit) {
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return core::makeError(core::Code::kUnavailable, fmt::format("read failed: {}", std::strerror(errno)));
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > limit)
      return core::makeError(core::Code::kInvalidArgument, fmt::format("input larger than {} bytes", limit));
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace airlock::cli
