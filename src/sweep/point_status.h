#pragma once
// What became of a sweep point; its name is the record's "status".
namespace paratrain {

enum class PointStatus {
  kOk,       // bench ran and printed its record
  kFailed,   // bench exited non-zero (refused, crashed, killed, timed out)
  kSkipped,  // the layout cannot run the point; never launched
  kReused,   // the same measurement was already stored under another point
};

inline const char* point_status_name(PointStatus status) {
  switch (status) {
    case PointStatus::kOk: return "ok";
    case PointStatus::kFailed: return "failed";
    case PointStatus::kSkipped: return "skipped";
    case PointStatus::kReused: return "ok";  // a reused record is an ok measurement
  }
  return "unknown";
}

}  // namespace paratrain
