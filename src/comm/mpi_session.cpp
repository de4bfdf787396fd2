#include "comm/mpi_session.h"

#include <mpi.h>

#include "comm/mpi_check.h"

namespace paratrain {

MpiSession::MpiSession(int* argc, char*** argv) {
  int provided = 0;
  PT_MPI(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided));
  // Errors come back as codes that PT_MPI turns into exceptions with a message.
  PT_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  PT_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank_));
  PT_MPI(MPI_Comm_size(MPI_COMM_WORLD, &size_));
}

MpiSession::~MpiSession() { MPI_Finalize(); }

void MpiSession::abort_job(int exit_code) {
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);
}

std::string MpiSession::library_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(text, &length);
  std::string version(text, static_cast<size_t>(length));
  const auto newline = version.find_first_of(",\n");
  return newline == std::string::npos ? version : version.substr(0, newline);
}

}  // namespace paratrain
