#include "sweep/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "core/clock.h"
#include "metrics/stats.h"

namespace paratrain {

namespace {

std::string clock_text(double seconds) {
  const long whole = static_cast<long>(seconds + 0.5);
  char text[32];
  if (whole >= 3600) {
    std::snprintf(text, sizeof(text), "%ld:%02ld:%02ld", whole / 3600, whole / 60 % 60, whole % 60);
  } else {
    std::snprintf(text, sizeof(text), "%ld:%02ld", whole / 60, whole % 60);
  }
  return text;
}

}  // namespace

Progress::Progress(int total, int launches)
    : total_(total), launches_(launches), start_(now_seconds()), tty_(isatty(STDERR_FILENO) != 0) {}

std::string Progress::status_line(const std::string& label) const {
  std::string eta = "?";
  if (!launched_seconds_.empty()) {
    // Median, not mean: one slow point (a first launch, a big config) should not swing the guess.
    const int launches_left = std::max(0, launches_ - static_cast<int>(launched_seconds_.size()));
    eta = clock_text(summarize(launched_seconds_).median * launches_left);
  }
  const int width = 20;
  const int filled = total_ > 0 ? width * done_ / total_ : width;
  char text[512];
  std::snprintf(text, sizeof(text), "sweep [%s%s] %d/%d, %d left | elapsed %s | left ~%s | %s",
                std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), done_,
                total_, total_ - done_, clock_text(now_seconds() - start_).c_str(), eta.c_str(),
                label.c_str());
  return text;
}

void Progress::draw(const std::string& line, bool keep) {
  if (tty_) {
    const size_t pad = last_width_ > line.size() ? last_width_ - line.size() : 0;
    std::fprintf(stderr, "\r%s%s%s", line.c_str(), std::string(pad, ' ').c_str(), keep ? "\n" : "");
    last_width_ = keep ? 0 : line.size();
  } else if (keep) {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

void Progress::start_point(const std::string& label) { draw(status_line("running " + label), false); }

void Progress::finish_point(const std::string& label, PointStatus status, double seconds,
                            const std::string& detail) {
  ++done_;
  const bool launched = status == PointStatus::kOk || status == PointStatus::kFailed;
  if (launched) launched_seconds_.push_back(seconds);
  char took[32];
  std::snprintf(took, sizeof(took), " (%.1f s)", seconds);
  const bool noteworthy = status == PointStatus::kFailed || status == PointStatus::kSkipped;
  const char* word = status == PointStatus::kReused ? "reused" : point_status_name(status);
  // On a terminal only failures and skips stay on screen; in a log every point does.
  const std::string why = detail.empty() ? "" : ": " + detail;
  if (!tty_ || noteworthy) draw(status_line(std::string(word) + " " + label + took + why), true);
}

void Progress::finish(const std::string& summary) {
  if (tty_ && last_width_ > 0) draw(status_line("done"), true);
  std::fprintf(stderr, "%s\n", summary.c_str());
}

}  // namespace paratrain
