#pragma once
// The sweep's progress on stderr: the point being run, done/total, elapsed
// time and an estimate of the time left from the median point time. Redrawn
// in place on a terminal, one line per point otherwise (logs, pipes).
#include <string>
#include <vector>

#include "sweep/point_status.h"

namespace paratrain {

class Progress {
 public:
  // `total` points to record in this invocation (stored ones excluded), of
  // which about `launches` will start a bench (the rest are reused or skipped).
  Progress(int total, int launches);

  void start_point(const std::string& label);
  // `detail` (the error or skip reason) is shown after the label.
  void finish_point(const std::string& label, PointStatus status, double seconds,
                    const std::string& detail);
  // Ends the redrawn line with a summary.
  void finish(const std::string& summary);

 private:
  std::string status_line(const std::string& label) const;
  void draw(const std::string& line, bool keep);

  int total_, launches_, done_ = 0;
  double start_;
  bool tty_;
  size_t last_width_ = 0;
  std::vector<double> launched_seconds_;  // of the points that ran a bench
};

}  // namespace paratrain
