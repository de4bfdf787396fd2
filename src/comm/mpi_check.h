#pragma once
#include <mpi.h>

#include <string>

#include "core/error.h"

// Wraps an MPI call: a failure throws with the call site and MPI's own message.
#define PT_MPI(call)                                                                 \
  do {                                                                               \
    const int pt_mpi_status = (call);                                                \
    if (pt_mpi_status != MPI_SUCCESS) {                                              \
      char pt_mpi_text[MPI_MAX_ERROR_STRING];                                        \
      int pt_mpi_length = 0;                                                         \
      MPI_Error_string(pt_mpi_status, pt_mpi_text, &pt_mpi_length);                  \
      ::paratrain::fail_check(__FILE__, __LINE__,                                    \
                              std::string(#call) + ": " + std::string(pt_mpi_text)); \
    }                                                                                \
  } while (0)
