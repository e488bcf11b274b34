#ifndef CRYPTCOL_CLI_PROGRESS_DISPLAY_HPP
#define CRYPTCOL_CLI_PROGRESS_DISPLAY_HPP

// Progress of a backfill or rotation on stderr: a bar redrawn in place (rows, rows/s, ETA)
// when stderr is a terminal, otherwise a plain line at most once a second, so logs of a
// long run stay readable. Counts and rates only; never a value.

#include <chrono>
#include <mutex>
#include <ostream>
#include <string>

#include <cryptcol/migration/data/progress.hpp>

namespace cryptcol::cli {

class ProgressDisplay {
 public:
  // `terminal`: draw the live bar (see stderr_is_terminal()).
  ProgressDisplay(std::ostream& err, std::string label, bool terminal);

  // A callback for BatchOptions::on_progress; safe from several worker threads. The display
  // must outlive every call.
  migration::ProgressCallback callback();
  // Ends the bar's line (terminal) after the run; idempotent.
  void finish();

  static bool stderr_is_terminal();

 private:
  void update(const migration::Progress& progress);

  std::ostream& err_;
  std::string label_;
  bool terminal_;
  std::mutex mutex_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_line_{};
};

// "1:02:03" / "2:03" for an ETA or elapsed time.
std::string format_duration(std::chrono::seconds seconds);

}  // namespace cryptcol::cli

#endif  // CRYPTCOL_CLI_PROGRESS_DISPLAY_HPP
