// main() of the single-process test binaries: MPI is initialised (a world of
// one rank), as in the paratrain command, so code that talks to communicators
// runs unchanged.
#include <gtest/gtest.h>
#include <mpi.h>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  MPI_Init(&argc, &argv);
  const int result = RUN_ALL_TESTS();
  MPI_Finalize();
  return result;
}
