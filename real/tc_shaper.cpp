#include "real/tc_shaper.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "core/output/columns.hpp"
#include "core/runtime/backend.hpp"
#include "core/units.hpp"

extern char** environ;

namespace tandem::real {
namespace {

// Where a program of iproute2 is: PATH first, then the sbin folders a non-login root shell may
// lack.
std::string find_program(const std::string& name) {
  std::string dirs = std::getenv("PATH") ? std::getenv("PATH") : "";
  dirs += ":/usr/sbin:/sbin:/usr/bin:/bin";
  std::istringstream in(dirs);
  for (std::string dir; std::getline(in, dir, ':');) {
    if (dir.empty())
      continue;
    const auto path = std::filesystem::path(dir) / name;
    if (::access(path.c_str(), X_OK) == 0)
      return path.string();
  }
  throw BackendError(fmt::format("link.shaper = \"tc\" needs the '{}' command of iproute2, which "
                                 "is not installed (or not on PATH)",
                                 name));
}

// Runs a command to completion; throws BackendError with its stderr when it fails.
void run_command(const std::vector<std::string>& argv) {
  int err[2];
  if (pipe2(err, O_CLOEXEC) != 0)
    throw BackendError(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  std::vector<char*> args;
  std::vector<std::string> copy = argv;
  for (auto& a : copy)
    args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(err[1]);
  std::string output;
  if (rc == 0) {
    char buffer[512];
    for (ssize_t n; (n = ::read(err[0], buffer, sizeof buffer)) != 0;) {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      output.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(err[0]);
  if (rc != 0)
    throw BackendError(fmt::format("cannot run '{}': {}", argv[0], std::strerror(rc)));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    while (!output.empty() && (output.back() == '\n' || output.back() == '\r'))
      output.pop_back();
    throw BackendError(fmt::format("link.shaper = \"tc\": '{}' failed: {}", fmt::join(argv, " "),
                                   output.empty() ? "no message" : output));
  }
}

constexpr double kMinBitsPerS = 1000; // tbf needs a rate > 0: a zero-rate step is shaped to this

} // namespace

struct TcShaper::Impl {
  BandwidthTrace uplink, downlink;
  std::filesystem::path log_path;
  int run = 0;
  std::string ip, tc;
  std::string netns, device_veth, server_veth, device_host, server_host;
  bool netns_made = false, veth_made = false;
  std::FILE* log = nullptr;

  std::mutex mutex;
  std::condition_variable cv;
  bool stopping = false;
  std::thread stepper;
  std::optional<std::string> step_error;

  Impl(BandwidthTrace up, BandwidthTrace down) : uplink(std::move(up)), downlink(std::move(down)) {}

  // The qdisc of a direction: uplink on the device end (root namespace), downlink on the server's.
  std::vector<std::string> qdisc(const char* verb, Direction direction, BytesPerSecond rate) const {
    const double bits = std::max(kMinBitsPerS, std::round(rate * 8.0));
    // A burst of 10 ms at the rate, at least two full frames: TCP sees a link, not a policer.
    // Packets never exceed a frame (no GSO on the pair), so a burst lowered with the rate can
    // still send every packet queued before the change.
    const auto burst = static_cast<long long>(std::max(bits / 8.0 / 100.0, 3028.0));
    std::vector<std::string> argv{tc};
    if (direction == Direction::downlink) {
      argv.emplace_back("-n");
      argv.push_back(netns);
    }
    const std::string dev = direction == Direction::uplink ? device_veth : server_veth;
    argv.insert(argv.end(), {"qdisc", verb, "dev", dev, "root", "tbf", "rate",
                             fmt::format("{}bit", static_cast<long long>(bits)), "burst",
                             std::to_string(burst), "latency", "200ms"});
    return argv;
  }

  void apply(const char* verb, Direction direction, Seconds trace_s, BytesPerSecond rate,
             Seconds late_s) {
    run_command(qdisc(verb, direction, rate));
    const double bits = std::max(kMinBitsPerS, std::round(rate * 8.0));
    std::lock_guard lock(mutex);
    if (log) {
      fmt::print(log, "{},{},{},{},{:.3f}\n", this->run, trace_s,
                 direction == Direction::uplink ? "uplink" : "downlink", bits / 1e6,
                 s_to_ms(late_s));
      std::fflush(log);
    }
  }

  void set_up() {
    if (::geteuid() != 0)
      throw BackendError("link.shaper = \"tc\" needs root (it creates a network namespace and "
                         "changes qdiscs); run as root or use link.shaper = \"token-bucket\"");
    ip = find_program("ip");
    tc = find_program("tc");
    const auto pid = static_cast<unsigned>(::getpid());
    netns = fmt::format("tandem-{}", pid);
    device_veth = fmt::format("tdm{}d", pid);
    server_veth = fmt::format("tdm{}s", pid);
    // A /30 of 10.128.0.0/10 from the pid, so concurrent runs do not collide.
    const unsigned block = pid % (1u << 20);
    const auto base = fmt::format("10.{}.{}.", 128 + (block >> 14), (block >> 6) & 255u);
    device_host = base + std::to_string(((block & 63u) << 2) + 1);
    server_host = base + std::to_string(((block & 63u) << 2) + 2);

    remove_stale();
    run_command({ip, "netns", "add", netns});
    netns_made = true;
    run_command({ip, "link", "add", device_veth, "type", "veth", "peer", "name", server_veth});
    veth_made = true;
    // One segment per packet (no GSO/TSO super-packets): tbf never sends a packet larger than its
    // burst, so a 64 KiB packet queued before a rate change to a smaller burst would stall TCP
    // for good, and a burst that large would blur the rate.
    run_command({ip, "link", "set", "dev", device_veth, "gso_max_segs", "1"});
    run_command({ip, "link", "set", "dev", server_veth, "gso_max_segs", "1"});
    run_command({ip, "link", "set", server_veth, "netns", netns});
    run_command({ip, "addr", "add", device_host + "/30", "dev", device_veth});
    run_command({ip, "link", "set", device_veth, "up"});
    run_command({ip, "-n", netns, "addr", "add", server_host + "/30", "dev", server_veth});
    run_command({ip, "-n", netns, "link", "set", server_veth, "up"});
    run_command({ip, "-n", netns, "link", "set", "lo", "up"});

    const bool fresh =
        !std::filesystem::exists(log_path) || std::filesystem::file_size(log_path) == 0;
    log = std::fopen(log_path.c_str(), "a");
    if (!log)
      throw BackendError(fmt::format("{}: cannot append to the output file", log_path.string()));
    if (fresh) {
      std::vector<std::string_view> names;
      for (const auto& c : tc_rate_columns())
        names.push_back(c.name);
      fmt::print(log, "{}\n", fmt::join(names, ","));
    }
    apply("add", Direction::uplink, 0, uplink.at(0), 0);
    apply("add", Direction::downlink, 0, downlink.at(0), 0);
  }

  // Namespaces of runs that were killed before they could clean up (tandem-PID with PID gone).
  void remove_stale() const {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/run/netns", ec)) {
      const auto name = entry.path().filename().string();
      if (name.rfind("tandem-", 0) != 0)
        continue;
      const auto pid = std::strtol(name.c_str() + 7, nullptr, 10);
      if (pid <= 0 || std::filesystem::exists(fmt::format("/proc/{}", pid)))
        continue;
      try {
        run_command({ip, "netns", "del", name});
        fmt::print(stderr, "tandem: removed the network namespace {} of a run that is gone\n",
                   name);
      } catch (const std::exception&) {
      }
    }
  }

  void tear_down() noexcept {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    cv.notify_all();
    if (stepper.joinable())
      stepper.join();
    // Deleting one end of the pair deletes both; then the namespace.
    try {
      if (veth_made && ::access(fmt::format("/sys/class/net/{}", device_veth).c_str(), F_OK) == 0)
        run_command({ip, "link", "del", device_veth});
    } catch (const std::exception& e) {
      fmt::print(stderr, "tandem: warning: {}\n", e.what());
    }
    try {
      if (netns_made)
        run_command({ip, "netns", "del", netns});
    } catch (const std::exception& e) {
      fmt::print(stderr, "tandem: warning: {}\n", e.what());
    }
    if (log)
      std::fclose(log);
    log = nullptr;
  }

  // Sleeps until each rate change of either trace and applies it.
  void step(std::chrono::steady_clock::time_point origin) {
    BytesPerSecond up = uplink.at(0), down = downlink.at(0);
    Seconds t = 0;
    for (;;) {
      const Seconds next = std::min(uplink.next_change_after(t), downlink.next_change_after(t));
      if (!std::isfinite(next))
        return;
      const auto when = origin + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                     std::chrono::duration<double>(next));
      {
        std::unique_lock lock(mutex);
        if (cv.wait_until(lock, when, [&] { return stopping; }))
          return;
      }
      t = next;
      const Seconds late =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - when).count();
      try {
        if (const auto rate = uplink.at(t); rate != up)
          apply("change", Direction::uplink, t, up = rate, late);
        if (const auto rate = downlink.at(t); rate != down)
          apply("change", Direction::downlink, t, down = rate, late);
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        step_error = e.what();
        fmt::print(stderr, "tandem: warning: the tc shaper stopped: {}\n", e.what());
        return;
      }
    }
  }
};

TcShaper::TcShaper(BandwidthTrace uplink, BandwidthTrace downlink, std::filesystem::path log_csv,
                   int run)
    : impl_(std::make_unique<Impl>(std::move(uplink), std::move(downlink))) {
  impl_->log_path = std::move(log_csv);
  impl_->run = run;
  try {
    impl_->set_up();
  } catch (...) {
    impl_->tear_down();
    throw;
  }
}

TcShaper::~TcShaper() {
  impl_->tear_down();
}

const std::string& TcShaper::netns() const {
  return impl_->netns;
}

const std::string& TcShaper::server_host() const {
  return impl_->server_host;
}

std::vector<std::string> TcShaper::exec_prefix() const {
  return {impl_->ip, "netns", "exec", impl_->netns};
}

void TcShaper::start() {
  const auto origin = std::chrono::steady_clock::now();
  impl_->stepper = std::thread([this, origin] { impl_->step(origin); });
}

} // namespace tandem::real
