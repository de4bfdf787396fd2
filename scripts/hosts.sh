#!/usr/bin/env bash
# Separate hosts on this machine: each host is a network namespace with its
# own TCP stack, joined to a bridge by a veth pair whose rate `tc` shapes in
# both directions (each host's NIC, full duplex). MPI then runs across them
# over real TCP, with no shared memory between ranks.
#
#   scripts/hosts.sh up N [--rate RATE]   create N hosts (RATE: 100mbit, 1gbit, ... or unshaped)
#   scripts/hosts.sh rate RATE            reshape the links of the hosts that are up
#   scripts/hosts.sh down                 remove every namespace, link and process it made
#   scripts/hosts.sh status               what is up, one line per host
#   scripts/hosts.sh check                exit 0 if hosts can be made here (root, ip, namespaces)
#   scripts/hosts.sh mpirun -np K [mpirun flags] PROGRAM ARGS...
#                                         run K ranks spread evenly over the hosts
#   scripts/hosts.sh link I up|down       take host I's link down (or up again), for failure tests
#
# Environment (defaults in brackets), so that tests can run beside a study:
#   PARATRAIN_HOSTS_DIR     state: hostfile, launch agent, settings  [/tmp/paratrain-hosts]
#   PARATRAIN_HOSTS_PREFIX  names of namespaces and links            [pt]
#   PARATRAIN_HOSTS_SUBNET  first three octets of the /24 they use   [10.213.0]
#   PARATRAIN_HOSTS_LINK_TIMEOUT  seconds a host's link may stay down before the job is ended [20]
#
# Host i (0-based) is namespace ${PREFIX}h$i at ${SUBNET}.(i+1); the bridge
# ${PREFIX}br holds ${SUBNET}.254 in the root namespace, where mpirun stays.
# Traffic goes only between these namespaces and the bridge. Needs root.
# Every command is idempotent; `up` first removes what an earlier (perhaps
# crashed) run with the same prefix left behind.
set -euo pipefail

STATE_DIR=${PARATRAIN_HOSTS_DIR:-/tmp/paratrain-hosts}
PREFIX=${PARATRAIN_HOSTS_PREFIX:-pt}
SUBNET=${PARATRAIN_HOSTS_SUBNET:-10.213.0}
LINK_TIMEOUT=${PARATRAIN_HOSTS_LINK_TIMEOUT:-20}
BRIDGE=${PREFIX}br
BRIDGE_ADDRESS=${SUBNET}.254

die() { echo "hosts.sh: error: $*" >&2; exit 2; }
say() { echo "hosts.sh: $*" >&2; }

host_ns() { echo "${PREFIX}h$1"; }
host_link() { echo "${PREFIX}v$1"; }  # the root end of host i's veth pair
host_address() { echo "${SUBNET}.$(($1 + 1))"; }

check_names() {
  [[ $PREFIX =~ ^[a-z][a-z0-9]{0,7}$ ]] || die "PARATRAIN_HOSTS_PREFIX must be 1-8 lowercase letters or digits, starting with a letter"
  [[ $SUBNET =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] || die "PARATRAIN_HOSTS_SUBNET must be three octets, e.g. 10.213.0"
  [[ $(id -u) -eq 0 ]] || die "needs root (network namespaces)"
}

# Our namespaces, whatever their number: those named ${PREFIX}h<digits>.
our_namespaces() {
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${PREFIX}h[0-9]+$" || true
}

# "100mbit" -> bytes per second; "unshaped" -> 0; anything else refused.
rate_bytes_per_s() {
  local rate=$1
  [[ $rate == unshaped ]] && { echo 0; return; }
  [[ $rate =~ ^([0-9]+)(bit|kbit|mbit|gbit|tbit)$ ]] || die "--rate must be a number with bit, kbit, mbit, gbit or tbit (e.g. 100mbit), or unshaped; got '$rate'"
  local number=${BASH_REMATCH[1]} unit=${BASH_REMATCH[2]} scale=1
  case $unit in kbit) scale=1000 ;; mbit) scale=1000000 ;; gbit) scale=1000000000 ;; tbit) scale=1000000000000 ;; esac
  ((number > 0)) || die "--rate must be positive; got '$rate'"
  echo $((number * scale / 8))
}

# Shapes one device's egress with a token bucket. The bucket holds 1 ms at
# the rate but at least 64 KiB (a GSO packet), and the queue 50 ms, so TCP
# fills the link without the bucket letting bursts through unshaped.
shape_device() {
  local netns=$1 device=$2 rate=$3
  local run=(ip netns exec "$netns")
  [[ -z $netns ]] && run=()
  "${run[@]}" tc qdisc del dev "$device" root 2>/dev/null || true
  local bytes
  bytes=$(rate_bytes_per_s "$rate")
  ((bytes == 0)) && return 0
  local burst=$((bytes / 1000))
  ((burst < 65536)) && burst=65536
  "${run[@]}" tc qdisc add dev "$device" root tbf rate "$rate" burst "$burst" latency 50ms
}

shape_all() {
  local rate=$1 count=$2
  for ((i = 0; i < count; i++)); do
    shape_device "$(host_ns "$i")" eth0 "$rate"
    shape_device "" "$(host_link "$i")" "$rate"
  done
  echo "$rate" >"$STATE_DIR/rate"
}

# Ends every process still running inside one of our namespaces.
kill_namespace_processes() {
  local netns pids
  for netns in $(our_namespaces); do
    pids=$(ip netns pids "$netns" 2>/dev/null || true)
    [[ -z $pids ]] && continue
    say "ending processes left in $netns: $(echo $pids)"
    kill -KILL $pids 2>/dev/null || true
  done
}

cmd_down() {
  kill_namespace_processes
  local netns index
  for netns in $(our_namespaces); do
    index=${netns#"${PREFIX}h"}
    ip link del "$(host_link "$index")" 2>/dev/null || true
    ip netns del "$netns"
  done
  # Root ends of veth pairs whose namespace is already gone.
  for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^${PREFIX}v[0-9]+$" || true); do
    ip link del "$link" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  rm -rf "$STATE_DIR"
}

# The subnet must not be in use by anything but our own bridge.
check_subnet_free() {
  local users
  users=$(ip -o -4 addr show | awk -v net="${SUBNET}." 'index($4, net) == 1 {print $2}' || true)
  [[ -z $users ]] || die "subnet ${SUBNET}.0/24 is already used by $users; set PARATRAIN_HOSTS_SUBNET"
}

write_agent() {
  # mpirun calls its rsh agent as `agent HOST COMMAND...`, like ssh; the
  # agent runs the command inside the namespace whose address is HOST, with
  # its own hostname (a UTS namespace): Open MPI names its session folders in
  # the shared /tmp after the hostname, and two daemons of one job sharing a
  # name trip over each other's folders (a daemon then never reports in).
  {
    echo '#!/bin/sh'
    echo '# Launch agent for Open MPI (plm_rsh_agent), written by scripts/hosts.sh.'
    echo "hosts_file='$STATE_DIR/hosts'"
    cat <<'EOF'
host=$1
shift
netns=$(awk -v host="$host" '$1 == host || $2 == host {print $2}' "$hosts_file")
if [ -z "$netns" ]; then
  echo "hosts.sh agent: unknown host $host" >&2
  exit 255
fi
exec ip netns exec "$netns" unshare --uts /bin/sh -c 'hostname "$0" && exec /bin/sh -c "$1"' "$netns" "$*"
EOF
  } >"$STATE_DIR/agent"
  chmod +x "$STATE_DIR/agent"
}

create_host() {
  local index=$1 netns link address
  netns=$(host_ns "$index")
  link=$(host_link "$index")
  address=$(host_address "$index")
  ip netns add "$netns"
  ip link add "$link" type veth peer name eth0 netns "$netns"
  ip link set "$link" master "$BRIDGE" up
  ip -n "$netns" addr add "$address/24" dev eth0
  ip -n "$netns" link set eth0 up
  ip -n "$netns" link set lo up
  echo "$address $netns" >>"$STATE_DIR/hosts"
}

cmd_up() {
  local count=${1:-} rate=unshaped
  [[ $count =~ ^[0-9]+$ ]] && ((count >= 1 && count <= 64)) || die "up needs a host count from 1 to 64"
  shift
  while (($#)); do
    case $1 in
      --rate) [[ $# -ge 2 ]] || die "--rate needs a value"; rate=$2; shift 2 ;;
      *) die "unknown argument to up: $1" ;;
    esac
  done
  rate_bytes_per_s "$rate" >/dev/null
  cmd_down
  check_subnet_free
  mkdir -p "$STATE_DIR"
  : >"$STATE_DIR/hosts"
  ip link add "$BRIDGE" type bridge
  ip addr add "$BRIDGE_ADDRESS/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  for ((i = 0; i < count; i++)); do create_host "$i"; done
  awk '{print $1 " slots=1"}' "$STATE_DIR/hosts" >"$STATE_DIR/hostfile"
  write_agent
  shape_all "$rate" "$count"
  echo "$count" >"$STATE_DIR/count"
  say "$count hosts up on ${SUBNET}.0/24, links $rate; state in $STATE_DIR"
}

host_count() {
  [[ -f $STATE_DIR/count ]] || die "no hosts are up (scripts/hosts.sh up N first)"
  cat "$STATE_DIR/count"
}

cmd_rate() {
  [[ $# -eq 1 ]] || die "rate needs one value"
  rate_bytes_per_s "$1" >/dev/null
  local count
  count=$(host_count)
  shape_all "$1" "$count"
  say "links now $1"
}

cmd_status() {
  [[ -f $STATE_DIR/count ]] || { echo "no hosts up"; return 0; }
  echo "$(host_count) hosts, links $(cat "$STATE_DIR/rate"), state $STATE_DIR"
  local address netns
  while read -r address netns; do
    echo "$netns $address link $(ip -n "$netns" -o link show eth0 | grep -q 'state UP' && echo up || echo down)" \
      "processes $(ip netns pids "$netns" | wc -l)"
  done <"$STATE_DIR/hosts"
}

# Can hosts be made here? Creates and removes one namespace of our prefix.
cmd_check() {
  command -v ip >/dev/null || die "the ip command (iproute2) is not installed"
  command -v tc >/dev/null || die "the tc command (iproute2) is not installed"
  local probe="${PREFIX}chk$$"
  ip netns add "$probe" 2>/dev/null || die "cannot create a network namespace here"
  ip netns delete "$probe" 2>/dev/null || die "cannot remove the network namespace $probe"
  say "network namespaces work here"
}

cmd_link() {
  [[ $# -eq 2 && $1 =~ ^[0-9]+$ && ($2 == up || $2 == down) ]] || die "link needs a host index and up or down"
  (($1 < $(host_count))) || die "no host $1"
  ip link set "$(host_link "$1")" "$2"
}

source "$(dirname "${BASH_SOURCE[0]}")/hosts_mpirun.sh"

main() {
  local command=${1:-}
  [[ -n $command ]] || die "usage: hosts.sh up N [--rate RATE] | rate RATE | down | status | check | link I up|down | mpirun -np K ..."
  shift
  check_names
  case $command in
    up) cmd_up "$@" ;;
    down) cmd_down ;;
    rate) cmd_rate "$@" ;;
    status) cmd_status ;;
    check) cmd_check ;;
    link) cmd_link "$@" ;;
    mpirun) cmd_mpirun "$@" ;;
    *) die "unknown command '$command' (up, rate, down, status, check, link, mpirun)" ;;
  esac
}

main "$@"
