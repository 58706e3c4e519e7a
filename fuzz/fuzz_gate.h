#pragma once
// A real gate for fuzz targets that drive an adapter: the policy text given, state in a fresh
// temporary directory, home /home/fuzz, working directory /tmp. Aborts when it cannot be
// opened (the target would test nothing).
#include <stdlib.h>

#include <memory>
#include <string>

#include "gate/gate.h"

namespace airlock::fuzz {

inline std::unique_ptr<gate::Gate> openGate(const char* policyText, const char* name) {
  std::string tmpl = std::string("/tmp/airlock-") + name + "-XXXXXX";
  if (!mkdtemp(tmpl.data())) abort();
  auto pol = policy::Policy::load(policyText, "fuzz.yaml", "/home/fuzz");
  if (!pol.ok()) abort();
  gate::GateOptions o;
  o.stateDir = tmpl;
  o.home = "/home/fuzz";
  o.cwd = "/tmp";
  auto opened = gate::Gate::open(*pol, o);
  if (!opened.ok()) abort();
  return std::move(*opened);
}

}  // namespace airlock::fuzz
