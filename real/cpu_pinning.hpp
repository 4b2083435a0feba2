#pragma once
// Pinning threads to CPUs: an emulation knob of the real backend (device.cpus). A device's compute
// thread is pinned to that device's own CPUs before its first OpenMP region, so the OpenMP team
// oneDNN runs on (libgomp creates it from that thread, which its threads inherit the mask of) stays
// on them; a spawned server is pinned to the other CPUs.
#include <span>
#include <string>
#include <vector>

namespace tandem::real {

// Pins the calling thread (and threads it creates later) to `cpus`. Throws BackendError when the
// kernel refuses (a CPU this process may not use).
void pin_this_thread(std::span<const int> cpus);

// The CPUs this thread may run on, ascending.
std::vector<int> allowed_cpus();

// The CPUs the calling thread's OpenMP team of `threads` may run on: the union of what each member
// reports from inside a parallel region, ascending. How a test checks the pinning took.
std::vector<int> team_cpus(int threads);

// "0-1,3" for {0, 1, 3}: the form taskset and `tandem serve --cpus` take.
std::string cpu_list_text(std::span<const int> cpus);

} // namespace tandem::real
