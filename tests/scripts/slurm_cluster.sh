#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the Slurm tests (run as root).
#   tests/scripts/slurm_cluster.sh up      install slurm-wlm and munge if needed, start munged,
#                                          slurmctld and slurmd; idempotent
#   tests/scripts/slurm_cluster.sh down    stop the daemons this script started
#   tests/scripts/slurm_cluster.sh status  exit 0 when the cluster accepts jobs
# The configuration is the smallest that runs job arrays: one node with this machine's CPUs,
# proctrack/linuxproc, task/none, select/cons_tres with CR_CPU, no accounting.
set -euo pipefail

STATE=/run/wecare-slurm
CONF=/etc/slurm/slurm.conf
MARK="# written by wecare tests/scripts/slurm_cluster.sh"

need_root() {
    if [ "$(id -u)" != 0 ]; then
        echo "slurm_cluster.sh: run as root" >&2
        exit 1
    fi
}

ready() {
    command -v sinfo >/dev/null 2>&1 &&
        timeout 5 sinfo -h -o '%T' 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'
}

install() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null &&
        command -v sbatch >/dev/null && command -v munged >/dev/null; then
        return
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq slurm-wlm munge >/dev/null
}

write_conf() {
    if [ -f "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
        echo "slurm_cluster.sh: $CONF exists and is not ours; using it as it is" >&2
        return
    fi
    local host cpus
    host=$(hostname -s)
    cpus=$(nproc)
    mkdir -p /etc/slurm
    cat >"$CONF" <<CONF
$MARK
ClusterName=wecare
SlurmctldHost=$host
AuthType=auth/munge
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
}

start_munge() {
    if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
        return
    fi
    mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
    if [ ! -s /etc/munge/munge.key ]; then
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
    chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge
    chmod 0400 /etc/munge/munge.key
    chmod 0755 /run/munge
    runuser -u munge -- munged
    touch "$STATE/started-munged"
}

up() {
    need_root
    if ready; then
        echo "slurm_cluster.sh: the cluster is up"
        return
    fi
    install
    mkdir -p "$STATE" /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
    write_conf
    start_munge
    if ! { [ -f "$STATE/slurmctld.pid" ] && kill -0 "$(cat "$STATE/slurmctld.pid")" 2>/dev/null; }; then
        slurmctld
        touch "$STATE/started-slurmctld"
    fi
    if ! { [ -f "$STATE/slurmd.pid" ] && kill -0 "$(cat "$STATE/slurmd.pid")" 2>/dev/null; }; then
        slurmd
        touch "$STATE/started-slurmd"
    fi
    for _ in $(seq 1 60); do
        if ready; then
            scontrol update nodename="$(hostname -s)" state=resume >/dev/null 2>&1 || true
            echo "slurm_cluster.sh: the cluster is up"
            return
        fi
        sleep 1
    done
    echo "slurm_cluster.sh: the cluster did not come up; see /var/log/slurm/" >&2
    exit 1
}

stop_pid() {
    local name=$1 pidfile=$2
    if [ -f "$STATE/started-$name" ] && [ -f "$pidfile" ]; then
        kill "$(cat "$pidfile")" 2>/dev/null || true
        rm -f "$STATE/started-$name"
    fi
}

down() {
    need_root
    stop_pid slurmd "$STATE/slurmd.pid"
    stop_pid slurmctld "$STATE/slurmctld.pid"
    stop_pid munged /run/munge/munged.pid
    echo "slurm_cluster.sh: stopped what it had started"
}

case "${1:-up}" in
up) up ;;
down) down ;;
status) ready ;;
*)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac
