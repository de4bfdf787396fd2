// Bandwidth between MPI ranks, for bench/hosts_bandwidth.sh: times
// MPI_Allreduce over float buffers, and a one-way stream of plain messages
// from rank 0 to rank 1, and prints one JSON record per operation and size. Run across the namespace hosts it measures what a
// shaped link delivers to the collectives the trainer uses.
//
//   link_bandwidth [--bytes N,N,...] [--seconds S]
//
// For p ranks a ring (or, for p = 2, recursive-doubling) all-reduce of S
// bytes moves 2(p-1)/p * S bytes through each rank's link in each direction;
// "bus_bytes_per_s" divides that by the median time, so it compares directly
// with the link's rate.
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "comm/mpi_check.h"

namespace {

std::vector<long> parse_sizes(const std::string& text) {
  std::vector<long> sizes;
  size_t begin = 0;
  while (begin <= text.size()) {
    const size_t end = std::min(text.find(',', begin), text.size());
    const long size = std::atol(text.substr(begin, end - begin).c_str());
    if (size < 4) {
      std::fprintf(stderr, "link_bandwidth: error: --bytes needs sizes of at least 4\n");
      std::exit(2);
    }
    sizes.push_back(size);
    begin = end + 1;
  }
  return sizes;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// Repeats the all-reduce until `budget_s` has passed (at least 3 times); every
// rank runs the same count because rank 0 decides when to stop.
std::vector<double> time_allreduce(std::vector<float>& buffer, double budget_s) {
  std::vector<double> times;
  const double start = MPI_Wtime();
  int keep_going = 1;
  while (keep_going != 0) {
    PT_MPI(MPI_Barrier(MPI_COMM_WORLD));
    const double begin = MPI_Wtime();
    PT_MPI(MPI_Allreduce(MPI_IN_PLACE, buffer.data(), static_cast<int>(buffer.size()), MPI_FLOAT,
                         MPI_SUM, MPI_COMM_WORLD));
    double elapsed = MPI_Wtime() - begin;
    // The slowest rank's time is the collective's time.
    PT_MPI(MPI_Allreduce(MPI_IN_PLACE, &elapsed, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD));
    times.push_back(elapsed);
    keep_going = times.size() < 3 || MPI_Wtime() - start < budget_s;
    PT_MPI(MPI_Bcast(&keep_going, 1, MPI_INT, 0, MPI_COMM_WORLD));
  }
  return times;
}

// Rank 0 streams `buffer` to rank 1 `count` times back to back (one
// direction, no reduction): what the link delivers to plain MPI messages.
double time_stream(std::vector<float>& buffer, int rank, int count) {
  const int elements = static_cast<int>(buffer.size());
  PT_MPI(MPI_Barrier(MPI_COMM_WORLD));
  const double begin = MPI_Wtime();
  for (int message = 0; message < count; ++message) {
    if (rank == 0) PT_MPI(MPI_Send(buffer.data(), elements, MPI_FLOAT, 1, 0, MPI_COMM_WORLD));
    if (rank == 1) PT_MPI(MPI_Recv(buffer.data(), elements, MPI_FLOAT, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
  }
  PT_MPI(MPI_Barrier(MPI_COMM_WORLD));
  return MPI_Wtime() - begin;
}

}  // namespace

int main(int argc, char** argv) {
  PT_MPI(MPI_Init(&argc, &argv));
  std::string sizes_text = "1048576,16777216";
  double budget_s = 2.0;
  for (int arg = 1; arg + 1 < argc; arg += 2) {
    const std::string name = argv[arg];
    if (name == "--bytes") sizes_text = argv[arg + 1];
    else if (name == "--seconds") budget_s = std::atof(argv[arg + 1]);
  }
  int rank = 0, ranks = 1;
  PT_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  PT_MPI(MPI_Comm_size(MPI_COMM_WORLD, &ranks));
  for (const long bytes : parse_sizes(sizes_text)) {
    std::vector<float> buffer(static_cast<size_t>(bytes) / sizeof(float), 1.0f);
    const double seconds = median(time_allreduce(buffer, budget_s));
    const double moved = 2.0 * (ranks - 1) / ranks * static_cast<double>(bytes);
    if (rank == 0) {
      std::printf("{\"op\":\"allreduce\",\"ranks\":%d,\"bytes\":%ld,\"median_s\":%.6g,"
                  "\"bus_bytes_per_s\":%.6g,\"bus_bits_per_s\":%.6g}\n",
                  ranks, bytes, seconds, moved / seconds, 8 * moved / seconds);
      std::fflush(stdout);
    }
    // As many messages as the all-reduce managed in a third of the budget, at least 2.
    const int count = std::max(2, static_cast<int>(budget_s / 3 / seconds));
    const double streamed = ranks > 1 ? time_stream(buffer, rank, count) : 0;
    if (rank == 0 && ranks > 1) {
      const double bytes_per_s = static_cast<double>(bytes) * count / streamed;
      std::printf("{\"op\":\"stream\",\"ranks\":%d,\"bytes\":%ld,\"messages\":%d,\"seconds\":%.6g,"
                  "\"bus_bytes_per_s\":%.6g,\"bus_bits_per_s\":%.6g}\n",
                  ranks, bytes, count, streamed, bytes_per_s, 8 * bytes_per_s);
      std::fflush(stdout);
    }
  }
  PT_MPI(MPI_Finalize());
  return 0;
}
