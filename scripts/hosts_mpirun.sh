# `scripts/hosts.sh mpirun`: mpirun across the namespace hosts, watched.
# Sourced by scripts/hosts.sh (uses its settings and helpers).

# Why each setting:
# - the launch agent starts each host's orted inside its namespace (as ssh would);
# - btl tcp,self: ranks talk over TCP only, never through shared memory;
# - if_include: MPI and the runtime use the hosts' subnet, nothing else;
# - mpi_yield_when_idle: a rank waiting on the network yields its core (one-way
#   latency 16 us instead of 3.9 ms with one busy rank per core);
# - oob keepalive: a daemon whose host dropped off the network is noticed by
#   mpirun within seconds, not the kernel's default of hours;
# - bind-to none: each host's daemon believes it owns every core; binding
#   would pin the ranks of all hosts onto the same cores;
# - startup timeout: a daemon that never reports in fails the job instead of hanging it;
# - all-reduce by recursive doubling (PARATRAIN_HOSTS_ALLREDUCE=auto leaves Open MPI's
#   choice): over shaped TCP links Open MPI's default choice and its ring measured 47-50%
#   of the rate set (one direction at a time), recursive doubling 89-95% in most runs
#   (bench/hosts_bandwidth.sh, 2 hosts at 100mbit). The non-blocking all-reduce that
#   data parallel's gradient buckets use (libnbc) is set alike: with its default, dp2 at
#   100mbit trained at 767 tokens/s, with recursive doubling 1255 (cpu-small, one run each).
hosts_mpirun_flags() {
  local hostfile=$1
  local subnet="${SUBNET}.0/24"
  local flags=(--hostfile "$hostfile"
    --mca plm_rsh_agent "$STATE_DIR/agent" --mca plm_rsh_no_tree_spawn 1
    --mca btl tcp,self --mca btl_tcp_if_include "$subnet" --mca oob_tcp_if_include "$subnet"
    --mca mpi_yield_when_idle 1
    --mca oob_tcp_keepalive_time 3 --mca oob_tcp_keepalive_intvl 2 --mca oob_tcp_keepalive_probes 3
    --bind-to none --mca orte_startup_timeout 60)
  case ${PARATRAIN_HOSTS_ALLREDUCE:-recursive_doubling} in
    recursive_doubling)
      flags+=(--mca coll_tuned_use_dynamic_rules 1 --mca coll_tuned_allreduce_algorithm 3
        --mca coll_libnbc_iallreduce_algorithm 4) ;;
    auto) ;;
  esac
  [[ $(id -u) -eq 0 ]] && flags+=(--allow-run-as-root)
  printf '%s\n' "${flags[@]}"
}

# The -np/-n value among mpirun's arguments.
ranks_in() {
  while (($#)); do
    case $1 in
      -np | -n | --np | --n) echo "${2:-}"; return ;;
    esac
    shift
  done
}

# The first host whose link is down (either end), as "netns address", or nothing.
host_with_link_down() {
  local address netns index
  while read -r address netns; do
    index=${netns#"${PREFIX}h"}
    if ! ip -o link show "$(host_link "$index")" 2>/dev/null | grep -q 'state UP' ||
      ! ip -n "$netns" -o link show eth0 2>/dev/null | grep -q 'state UP'; then
      echo "$netns $address"
      return
    fi
  done <"$STATE_DIR/hosts"
}

stop_job() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.5
  done
  kill -KILL "$pid" 2>/dev/null || true
}

# Waits for mpirun; a host whose link stays down for LINK_TIMEOUT seconds
# ends the job (MPI's own TCP would wait for the kernel's retransmission
# timeout, many minutes, when the link drops while data is in flight).
# Sets JOB_STATUS to the exit status to use.
watch_job() {
  local pid=$1 down_since=0 down_host="" now
  while kill -0 "$pid" 2>/dev/null; do
    down_host=$(host_with_link_down)
    now=$SECONDS
    if [[ -z $down_host ]]; then
      down_since=0
    elif ((down_since == 0)); then
      down_since=$now
    elif ((now - down_since >= LINK_TIMEOUT)); then
      JOB_FAILURE="host ${down_host% *} (${down_host#* }) lost its network link ${LINK_TIMEOUT}s ago"
      say "$JOB_FAILURE; ending the job"
      stop_job "$pid"
      wait "$pid" 2>/dev/null || true
      JOB_STATUS=1
      return
    fi
    sleep 1
  done
  JOB_STATUS=0
  wait "$pid" || JOB_STATUS=$?
}

# mpirun names a rank that died in a block of text; its line is repeated
# last, alone, so that whoever keeps the last line of stderr (the sweep's
# failure record) keeps what failed.
say_what_failed() {
  sleep 0.2  # let tee drain
  local notice=${JOB_FAILURE:-}
  [[ -n $notice ]] || notice=$(grep -h -o 'process rank [0-9]* with PID [0-9]* on node [^ ]* exited on signal [0-9]* ([^)]*)' "$1" 2>/dev/null | tail -n 1 || true)
  [[ -n $notice ]] && say "job failed: $notice"
  return 0
}

cmd_mpirun() {
  local count ranks
  [[ ${PARATRAIN_HOSTS_ALLREDUCE:-recursive_doubling} =~ ^(recursive_doubling|auto)$ ]] ||
    die "PARATRAIN_HOSTS_ALLREDUCE must be recursive_doubling or auto"
  count=$(host_count)
  ranks=$(ranks_in "$@")
  [[ $ranks =~ ^[0-9]+$ ]] && ((ranks >= 1)) || die "mpirun needs -np K (K >= 1)"
  # K ranks spread evenly: host 0 gets the first ceil(K/N) ranks, and so on
  # (tp, the fastest axis of the rank grid, stays inside a host when it fits;
  # add --map-by node to deal ranks round-robin instead).
  local per_host=$(((ranks + count - 1) / count))
  local hostfile="$STATE_DIR/hostfile.$$"
  awk -v slots="$per_host" '{print $1 " slots=" slots}' "$STATE_DIR/hosts" >"$hostfile"
  local flags
  mapfile -t flags < <(hosts_mpirun_flags "$hostfile")
  local pid
  # Whoever stops us (a sweep's timeout, Ctrl-C) stops the job, and what it
  # left in the namespaces is ended below.
  trap 'stop_job "$pid"' TERM INT HUP
  local said="$STATE_DIR/stderr.$$"
  mpirun "${flags[@]}" "$@" 2> >(tee "$said" >&2) &
  pid=$!
  watch_job "$pid"
  trap - TERM INT HUP
  rm -f "$hostfile"
  kill_namespace_processes
  ((JOB_STATUS == 0)) || say_what_failed "$said"
  rm -f "$said"
  return "$JOB_STATUS"
}
