#pragma once
// MPI for the life of the process: a run without mpirun is a world of one.
#include <string>

namespace paratrain {

class MpiSession {
 public:
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int world_rank() const { return rank_; }
  int world_size() const { return size_; }
  // Ends every rank of the job at once with this exit code (a rank that fails
  // alone must not leave the others waiting for it).
  [[noreturn]] static void abort_job(int exit_code);
  static std::string library_version();

 private:
  int rank_ = 0, size_ = 1;
};

}  // namespace paratrain
