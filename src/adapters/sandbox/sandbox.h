#pragma once
// `airlock run` (DESIGN.md "Enforcement points", docs/adapters/run.md): a process tree that
// cannot open a file the policy forbids and cannot reach the network except through the
// supervisor's egress proxy.
//
// The child runs in new user, mount, PID, network, IPC and UTS namespaces:
//   - network: only loopback; a listening socket made inside that namespace is handed to the
//     supervisor, which serves the egress proxy on it (HTTP(S)_PROXY point there);
//   - files: Landlock allows the trees the policy can ever grant the run's user ∩ agent
//     (Gate::fsReach) and the system's runtime (read and execute); the policy's secret paths are
//     covered by empty read-only mounts; /tmp, /dev/shm and /run are private and empty;
//   - every open()/openat()/openat2()/creat() is sent to the supervisor (seccomp user
//     notification), which resolves the path as the child sees it and asks the gate: a deny
//     fails the call with EACCES, an allow lets the kernel perform it (inside Landlock's outline,
//     so a path swapped after the decision still cannot leave it);
//   - system calls a sandboxed agent has no business making (ptrace, mount, bpf, new user
//     namespaces, raw and packet sockets…) fail with EPERM and are recorded (Gate::refuse).
// The PID namespace's init is airlock's: when the command exits, every process left is killed.
//
// Threading: a Sandbox and the Gate it was given are used from one thread (the one calling
// wait()); the proxy runs on its own thread with its own Gate.
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "gate/gate.h"

namespace airlock::sandbox {

// What the kernel offers; `problem` names what is missing (empty when everything is there).
struct Support {
  int landlockAbi = 0;        // 0: no Landlock
  bool userNamespaces = false;
  std::string problem;
};
Support probe();

struct Options {
  std::string user;
  std::string agent;
  std::string session;
  std::string workspace;                 // the command's working directory (absolute)
  std::vector<std::string> runtime;      // more trees the child may read and execute (absolute)
  std::vector<std::string> privatePaths; // airlock's own state and policy: covered, and never opened
                                         // for the child whatever the policy says
  std::vector<std::string> environment;  // the command's environment ("NAME=value"), before the
                                         // proxy and CA variables airlock sets
  std::string caBundlePem;               // roots the child should trust (the system's and airlock's
                                         // CA); empty: the child's trust store is left alone
  std::uint16_t proxyPort = 3128;        // 127.0.0.1:PORT inside the sandbox
  bool askOnTerminal = true;             // an `ask` for an open is put to the controlling terminal
                                         // (the sandbox is stopped meanwhile); without one, or when
                                         // false, defaults.non_interactive_ask answers
};

// The system trees every sandboxed program needs to start (read and execute): /usr, /bin,
// /sbin, /lib*, /etc, /opt. Opens of unclassified files there are not sent to the gate.
const std::vector<std::string>& defaultRuntime();

class Sandbox {
 public:
  // Sets up the namespaces, the mounts, Landlock and seccomp, and starts `argv` (PATH is
  // searched); returns once the command is about to run. Its first open waits for wait().
  static core::Result<std::unique_ptr<Sandbox>> start(gate::Gate& gate, Options options,
                                                      const std::vector<std::string>& argv);
  // No sandbox (`--unsafe-no-sandbox` where the kernel has none): `argv` runs as an ordinary
  // child with the proxy variables pointing at a listener on an ephemeral port of 127.0.0.1 and
  // the CA bundle in a temporary file. Its requests through the proxy are decided; nothing else
  // is: it can open any file the user can, connect around the proxy, and leave processes behind.
  static core::Result<std::unique_ptr<Sandbox>> startUnsandboxed(gate::Gate& gate, Options options,
                                                                 const std::vector<std::string>& argv);
  // The proxy's listening socket: inside the sandbox's network namespace, or the unsandboxed
  // listener (once; the caller owns it).
  int takeProxyListener();
  // Serves the child's opens and forwards SIGINT (when sent by a process, not the terminal),
  // SIGTERM, SIGHUP and SIGQUIT until the command has exited; returns its status (128+N when
  // signal N ended it). Every process of the sandbox is gone when it returns.
  int wait();
  // Counters for tests and `--verbose`.
  struct Stats {
    std::uint64_t opens = 0;       // open notifications served
    std::uint64_t decided = 0;     // of which the gate decided
    std::uint64_t denied = 0;      // opens and system calls refused
    std::uint64_t observed = 0;    // file contents observed (detectors, inspection)
  };
  Stats stats() const;

  ~Sandbox();  // kills the sandbox if wait() was not called
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;
  struct Impl;
  explicit Sandbox(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace airlock::sandbox
