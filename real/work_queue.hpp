#pragma once
// A fixed set of threads running posted jobs in FIFO order: the server's compute pool, and on the
// device a compute thread and a codec thread. Jobs must not throw (catch inside and report).
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace tandem::real {

class WorkQueue {
public:
  explicit WorkQueue(int threads) : own_(static_cast<std::size_t>(threads)) {
    for (int i = 0; i < threads; ++i)
      threads_.emplace_back([this, i] { loop(static_cast<std::size_t>(i)); });
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
    cv_.notify_all();
  }

  // Runs `job` once on every thread, before any job posted later, and returns when all copies are
  // done: per-thread warm-up (OpenMP teams and malloc arenas are per thread). Returns false when
  // the queue stopped first (copies that had started have finished by then). Not from one of the
  // queue's own threads.
  bool run_on_each(const std::function<void()>& job) {
    auto b = std::make_shared<Broadcast>();
    b->job = &job;
    std::unique_lock lock(mutex_);
    if (stopping_)
      return false;
    b->pending = static_cast<int>(own_.size());
    for (auto& q : own_)
      q.push_back(b);
    cv_.notify_all();
    done_cv_.wait(lock, [&] { return b->pending == 0 && b->active == 0; });
    return b->finished == static_cast<int>(own_.size());
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      jobs_.clear();
      for (auto& q : own_) {
        for (auto& b : q)
          --b->pending;
        q.clear();
      }
    }
    cv_.notify_all();
    done_cv_.notify_all();
    for (auto& t : threads_)
      if (t.joinable())
        t.join();
  }

private:
  struct Broadcast {
    const std::function<void()>* job = nullptr;
    int pending = 0, active = 0, finished = 0; // guarded by mutex_
  };

  void loop(std::size_t self) {
    auto& own = own_[self];
    for (;;) {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !own.empty() || !jobs_.empty(); });
      if (stopping_)
        return;
      if (!own.empty()) {
        auto b = std::move(own.front());
        own.pop_front();
        --b->pending;
        ++b->active;
        lock.unlock();
        (*b->job)();
        lock.lock();
        --b->active;
        ++b->finished;
        lock.unlock();
        done_cv_.notify_all();
        continue;
      }
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_, done_cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::deque<std::shared_ptr<Broadcast>>> own_; // per thread, served first
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

} // namespace tandem::real
