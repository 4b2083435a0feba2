#pragma once
// A fixed set of threads running posted jobs in FIFO order: the server's compute pool, and on the
// device a compute thread and a codec thread. Jobs must not throw (catch inside and report).
// run_on_each must not be called from one of the queue's own threads, nor after stop().
#include <condition_variable>
#include <deque>
#include <functional>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

namespace tandem::real {

class WorkQueue {
public:
  explicit WorkQueue(int threads) {
    for (int i = 0; i < threads; ++i)
      threads_.emplace_back([this] { loop(); });
  }
  // Drops jobs not started yet and waits for the running ones.
  ~WorkQueue() { stop(); }
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void post(std::function<void()> job) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_)
        return;
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }

  // Runs `job` once on every thread (each takes one copy and waits until all have one), and
  // returns when all are done: per-thread warm-up (OpenMP teams, malloc arenas are per thread).
  void run_on_each(const std::function<void()>& job) {
    const auto n = static_cast<std::ptrdiff_t>(threads_.size());
    std::latch started(n), done(n);
    for (std::ptrdiff_t i = 0; i < n; ++i)
      post([&] {
        started.arrive_and_wait();
        job();
        done.count_down();
      });
    done.wait();
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      jobs_.clear();
    }
    cv_.notify_all();
    for (auto& t : threads_)
      if (t.joinable())
        t.join();
  }

private:
  void loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
        if (stopping_)
          return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

} // namespace tandem::real
