// raftlab-powerfs: a FUSE filesystem that loses un-fsynced data on command. See
// faults/README.md.
//
//   raftlab-powerfs mount --backing DIR --mountpoint DIR --control SOCKET
//   raftlab-powerfs ctl --control SOCKET lose-unsynced|checkpoint|report|torn ...
//
// Exit codes: 0 done, 1 a command failed or the filesystem stopped with an error, 2 bad
// command line, 3 FUSE is not available here.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "faults/powerfs/control.h"
#include "faults/powerfs/filesystem.h"

namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitNoFuse = 3;

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "raftlab-powerfs: %s\n", message.c_str());
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  namespace pfs = raftlab::faults::powerfs;
  CLI::App app{"raftlab-powerfs: a passthrough FUSE filesystem that loses un-fsynced data on command"};
  app.require_subcommand(1);
  pfs::MountOptions m;
  CLI::App* mount = app.add_subcommand("mount", "mount BACKING on MOUNTPOINT and serve until unmounted or signalled");
  mount->add_option("--backing", m.backing, "directory that holds the data")->required();
  mount->add_option("--mountpoint", m.mountpoint, "directory to mount on")->required();
  mount->add_option("--control", m.control, "control socket path, or @name (abstract)")->required();
  std::string control;
  std::vector<std::string> words;
  CLI::App* ctl = app.add_subcommand("ctl", "send one command to a mounted filesystem and print the answer");
  ctl->add_option("--control", control, "control socket path, or @name")->required();
  ctl->add_option("command", words, "lose-unsynced | checkpoint | report | ping | torn <path|*> prefix|random-prefix|blocks <n>")
      ->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }
  if (mount->parsed()) {
    if (auto s = pfs::CheckFuseAvailable(); !s.ok()) return Fail(kExitNoFuse, std::string(s.message()));
    if (auto s = pfs::MountAndServe(m); !s.ok()) return Fail(kExitFailed, std::string(s.message()));
    return 0;
  }
  std::string line;
  for (const auto& w : words) line += (line.empty() ? "" : " ") + w;
  auto answer = pfs::SendCommand(control, line);
  if (!answer.ok()) return Fail(kExitFailed, std::string(answer.status().message()));
  std::printf("%s\n", answer->c_str());
  const auto j = nlohmann::json::parse(*answer, nullptr, false);
  return !j.is_discarded() && j.value("ok", false) ? 0 : kExitFailed;
}
