#include "progress_display.hpp"

#include <unistd.h>

#include <cstdio>

namespace cryptcol::cli {

namespace {

constexpr int bar_width = 30;
constexpr auto plain_interval = std::chrono::seconds(1);

}  // namespace

std::string format_duration(std::chrono::seconds seconds) {
  const long long total = seconds.count() < 0 ? 0 : seconds.count();
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", total / 3600, total / 60 % 60,
                  total % 60);
  } else {
    std::snprintf(text, sizeof text, "%lld:%02lld", total / 60, total % 60);
  }
  return text;
}

ProgressDisplay::ProgressDisplay(std::ostream& err, std::string label, bool terminal)
    : err_(err), label_(std::move(label)), terminal_(terminal) {}

bool ProgressDisplay::stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

migration::ProgressCallback ProgressDisplay::callback() {
  return [this](const migration::Progress& p) { update(p); };
}

void ProgressDisplay::update(const migration::Progress& p) {
  std::lock_guard<std::mutex> guard(mutex_);
  const auto now = std::chrono::steady_clock::now();
  const bool complete = p.total > 0 && p.done >= p.total;
  const long long rate = static_cast<long long>(p.rows_per_second);
  if (terminal_) {
    const double fraction =
        p.total == 0 ? 1.0
                     : static_cast<double>(std::min(p.done, p.total)) / static_cast<double>(p.total);
    const int filled = static_cast<int>(fraction * bar_width);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(bar_width, '.');
    err_ << "\r" << label_ << " [" << bar << "] " << p.done << "/" << p.total << " rows  "
         << rate << " rows/s  ETA " << format_duration(p.eta) << "\x1b[K" << std::flush;
    drawn_ = true;
    return;
  }
  if (!complete && last_line_ != std::chrono::steady_clock::time_point{} &&
      now - last_line_ < plain_interval) {
    return;
  }
  last_line_ = now;
  const int percent = p.total == 0 ? 100 : static_cast<int>(100.0 * static_cast<double>(p.done) / static_cast<double>(p.total));
  err_ << label_ << ": " << p.done << "/" << p.total << " rows (" << percent << "%), " << rate
       << " rows/s, ETA " << format_duration(p.eta) << ", " << p.conflicts << " conflicts, batch "
       << p.batch_size << "\n"
       << std::flush;
}

void ProgressDisplay::finish() {
  std::lock_guard<std::mutex> guard(mutex_);
  if (terminal_ && drawn_) err_ << "\n" << std::flush;
  drawn_ = false;
}

}  // namespace cryptcol::cli
