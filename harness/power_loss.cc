#include "harness/power_loss.h"

#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "faults/powerfs/control.h"
// nemesis.h brings cluster.h with the AdminClient it needs complete.
#include "harness/nemesis.h"

namespace raftlab::harness {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr milliseconds kMountTimeout{10000};
constexpr milliseconds kStopGrace{3000};

bool Mounted(const std::string& mountpoint) {
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.find(" " + mountpoint + " ") != std::string::npos) return true;
  }
  return false;
}

// Detaches a mount nobody serves any more: umount2 as root, else fusermount3 -u -z.
void LazyUnmount(const std::string& mountpoint) {
  if (!Mounted(mountpoint)) return;
  if (::umount2(mountpoint.c_str(), MNT_DETACH) == 0) return;
  ProcessSpec spec;
  spec.program = "/usr/bin/fusermount3";
  spec.args = {"-u", "-z", "-q", mountpoint};
  if (auto p = ChildProcess::Start(spec); p.ok()) p->WaitFor(milliseconds(5000));
}

std::string DefaultPowerfsBinary() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n > 0) {
    // build/harness/raftlab-harness -> build/faults/powerfs/raftlab-powerfs
    const fs::path self(std::string(buf, static_cast<size_t>(n)));
    for (const fs::path& candidate : {self.parent_path() / "raftlab-powerfs",
                                      self.parent_path().parent_path() / "faults/powerfs/raftlab-powerfs"}) {
      if (fs::exists(candidate)) return candidate.string();
    }
  }
  return "raftlab-powerfs";
}

std::string LogTail(const std::string& path) {
  std::ifstream in(path);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return all.size() > 600 ? all.substr(all.size() - 600) : all;
}

// "n2 dropped 61440 B in 3 files, 2 name ops" from a lose-unsynced or torn answer.
std::string DescribeLoss(uint64_t id, const absl::StatusOr<std::string>& answer) {
  const std::string node = "n" + std::to_string(id);
  if (!answer.ok()) return node + " (error: " + std::string(answer.status().message()) + ")";
  const auto j = nlohmann::json::parse(*answer, nullptr, false);
  if (j.is_discarded() || !j.value("ok", false)) return node + " (error: " + *answer + ")";
  std::string s = node + " dropped " + std::to_string(j.value("dropped_bytes", 0)) + " B";
  if (j.value("kept_bytes", 0) > 0) s += ", kept " + std::to_string(j.value("kept_bytes", 0)) + " B";
  s += " in " + std::to_string(j.value("files", 0)) + " files, " + std::to_string(j.value("namespace_ops", 0)) +
       " name ops";
  if (!j.value("errors", nlohmann::json::array()).empty()) s += " (undo errors: " + j["errors"].dump() + ")";
  return s;
}

}  // namespace

bool NeedsPowerDisks(const std::vector<std::string>& nemesis) {
  for (const std::string& entry : nemesis) {
    for (const std::string& n : FaultParts(entry)) {
      if (n == "power-loss" || n == "torn-write") return true;
    }
  }
  return false;
}

absl::StatusOr<std::unique_ptr<PowerDisks>> PowerDisks::Mount(const PowerDiskOptions& o) {
  std::unique_ptr<PowerDisks> disks(new PowerDisks());
  const std::string binary = o.powerfs_binary.empty() ? DefaultPowerfsBinary() : o.powerfs_binary;
  static int mounts = 0;
  for (int i = 1; i <= o.nodes; ++i) {
    Disk d;
    d.id = static_cast<uint64_t>(i);
    d.backing = fs::absolute(o.run_dir + "/node" + std::to_string(i) + ".disk").string();
    d.mountpoint = fs::absolute(o.run_dir + "/node" + std::to_string(i)).string();
    // Abstract sockets: no path length limit to meet, no file left behind.
    d.control = "@raftlab-powerfs-" + std::to_string(::getpid()) + "-" + std::to_string(++mounts);
    LazyUnmount(d.mountpoint);
    std::error_code ec;
    fs::create_directories(d.backing, ec);
    fs::create_directories(d.mountpoint, ec);
    if (ec) return absl::UnavailableError("power disks: cannot create " + d.mountpoint + ": " + ec.message());
    ProcessSpec spec;
    spec.program = binary;
    spec.args = {"mount", "--backing", d.backing, "--mountpoint", d.mountpoint, "--control", d.control};
    if (const char* lie = std::getenv("RAFTLAB_POWERFS_LIE_ON_FSYNC"); lie != nullptr && *lie != '\0') {
      spec.args.insert(spec.args.end(), {"--lie-on-fsync", lie});
    }
    spec.log_path = o.run_dir + "/node" + std::to_string(i) + ".powerfs.log";
    auto p = ChildProcess::Start(spec);
    if (!p.ok()) return p.status();
    d.process = std::make_unique<ChildProcess>(std::move(*p));
    disks->disks_.push_back(std::move(d));
    Disk& added = disks->disks_.back();
    const auto deadline = std::chrono::steady_clock::now() + kMountTimeout;
    while (!(Mounted(added.mountpoint) && faults::powerfs::SendCommand(added.control, "ping").ok())) {
      if (!added.process->Running() || std::chrono::steady_clock::now() > deadline) {
        return absl::UnavailableError("power disks: raftlab-powerfs for node " + std::to_string(i) + " did not mount " +
                                      added.mountpoint + ": " + LogTail(spec.log_path));
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
  }
  return disks;
}

PowerDisks::~PowerDisks() {
  for (auto& d : disks_) Unmount(d);
}

void PowerDisks::Unmount(Disk& d) {
  if (d.process) d.process->Stop(kStopGrace);
  d.process.reset();
  // auto_unmount detaches shortly after the filesystem dies; make sure of it.
  for (int i = 0; i < 50 && Mounted(d.mountpoint); ++i) std::this_thread::sleep_for(milliseconds(20));
  LazyUnmount(d.mountpoint);
}

absl::StatusOr<std::string> PowerDisks::Command(uint64_t id, const std::string& command) {
  for (const auto& d : disks_) {
    if (d.id == id) return faults::powerfs::SendCommand(d.control, command);
  }
  return absl::NotFoundError("power disks: no disk for node " + std::to_string(id));
}

absl::Status PowerDisks::CheckpointAll() {
  for (const auto& d : disks_) {
    auto answer = faults::powerfs::SendCommand(d.control, "checkpoint");
    if (!answer.ok()) return answer.status();
    const auto j = nlohmann::json::parse(*answer, nullptr, false);
    if (j.is_discarded() || !j.value("ok", false)) {
      return absl::InternalError("power disks: checkpoint of node " + std::to_string(d.id) + " failed: " + *answer);
    }
  }
  return absl::OkStatus();
}

void PowerDisks::RemoveBacking() {
  std::error_code ec;
  for (const auto& d : disks_) fs::remove_all(d.backing, ec);
}

PowerLossFault StartPowerLoss(const std::string& name, SystemUnderTest& cluster, PowerDisks& disks,
                              HistoryRecorder& recorder, std::mt19937_64& rng) {
  const bool whole = disks.power_losses++ % 2 == 0;
  std::vector<uint64_t> targets = cluster.ids();
  if (!whole) targets = {targets[std::uniform_int_distribution<size_t>(0, targets.size() - 1)(rng)]};
  std::string detail = whole ? "whole cluster: " : "";
  for (uint64_t id : targets) {
    if (cluster.Paused(id)) (void)cluster.Resume(id);
    if (cluster.Running(id)) (void)cluster.Kill(id);
  }
  for (size_t i = 0; i < targets.size(); ++i) {
    const std::string command =
        name == "torn-write" ? "torn * random-prefix " + std::to_string(rng() % 1000000) : "lose-unsynced";
    detail += (i == 0 ? "" : "; ") + DescribeLoss(targets[i], disks.Command(targets[i], command));
  }
  recorder.Nemesis(true, name, detail);
  return {detail, [&cluster, targets] {
            for (uint64_t id : targets) {
              if (!cluster.Running(id)) (void)cluster.Restart(id);
            }
          }};
}

}  // namespace raftlab::harness
