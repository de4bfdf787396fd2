#pragma once
// SIGINT, SIGTERM and SIGHUP end the program visibly: one line naming the
// signal (from the process that speaks), exit code 128 + signal. A child
// process group registered here (a sweep's running mpirun) is sent SIGTERM
// first, so no job runs on as an orphan of an interrupted sweep.
#include <sys/types.h>

namespace paratrain {

// `speaks`: whether this process prints the line (rank 0 under mpirun).
void install_stop_handlers(bool speaks);

// Once the program has said why it ends (a refusal every rank agreed on): a
// stop signal from then on is mpirun ending the job because a peer exited
// first, a consequence, so it exits with `exit_code` and prints nothing.
void end_quietly_on_stop(int exit_code);

// The process group to stop with us; 0 when none is running.
void set_child_process_group(pid_t group);

}  // namespace paratrain
