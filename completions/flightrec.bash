# bash completion for flightrec(8)
#
# Completes the commands, the options of record, trigger, dump, stats, mark
# and ctl and their values, and ctl's actions; --name and dump --live
# complete the names of the recorders running (their control sockets).
# Uses the helpers of the bash-completion package when they are loaded, and
# plain compgen otherwise.

_flightrec_commands="record trigger dump stats mark ctl help"
_flightrec_groups="sched process syscalls block all"
_flightrec_actions="status pause resume clear resize enable disable"
_flightrec_types="sched_switch sched_wakeup sched_wakeup_new process_fork process_exec process_exit sys_enter sys_exit block_issue block_complete oom_kill mark"

# Complete a comma-separated list: $1 is the words allowed, $2 the current
# word. Words already in the list are not offered again.
_flightrec_list()
{
    local words=$1 cur=$2 prefix="" w
    if [[ $cur == *,* ]]; then
        prefix=${cur%,*},
        cur=${cur##*,}
    fi
    for w in $words; do
        [[ ,$prefix == *",$w,"* ]] && continue
        [[ $w == "$cur"* ]] && COMPREPLY+=("$prefix$w")
    done
    # leave room for a comma and the next item
    compopt -o nospace 2>/dev/null
}

# Offer the options in $1 that start with $cur; a long option that takes a
# value ends with "=" and gets no space after it.
_flightrec_opts()
{
    local IFS=$' \t\n'
    COMPREPLY=($(compgen -W "$1" -- "$cur"))
    if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]]; then
        compopt -o nospace 2>/dev/null
    fi
}

_flightrec_pids()
{
    if declare -F _pids >/dev/null; then
        _pids
    else
        local p pids=()
        for p in /proc/[0-9]*; do
            pids+=("${p#/proc/}")
        done
        COMPREPLY=($(compgen -W "${pids[*]}" -- "$cur"))
    fi
}

# Files, preferring captures (*.frec) and directories; any file when none
# of those match.
_flightrec_captures()
{
    if declare -F _filedir >/dev/null; then
        _filedir frec
        [[ ${#COMPREPLY[@]} -eq 0 ]] && _filedir
    else
        local dirs
        mapfile -t COMPREPLY < <(compgen -f -X '!*.frec' -- "$cur")
        mapfile -t dirs < <(compgen -d -- "$cur")
        COMPREPLY+=("${dirs[@]}")
        [[ ${#COMPREPLY[@]} -eq 0 ]] && mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        compopt -o filenames 2>/dev/null
    fi
}

# The names of the running recorders: their control sockets, NAME.sock, in
# $FLIGHTREC_RUNDIR or /run/flightrec (root only: nothing for other users).
_flightrec_recorders()
{
    local dir=${FLIGHTREC_RUNDIR:-/run/flightrec} f names=()
    for f in "$dir"/*.sock; do
        [[ -S $f ]] || continue
        f=${f##*/}
        names+=("${f%.sock}")
    done
    local IFS=$' \t\n'
    COMPREPLY=($(compgen -W "${names[*]}" -- "$cur"))
}

_flightrec_files()
{
    if declare -F _filedir >/dev/null; then
        _filedir
    else
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        compopt -o filenames 2>/dev/null
    fi
}

# --cgroup: an absolute directory, or one relative to the cgroup2 mount.
_flightrec_cgroups()
{
    local mnt="" d
    if [[ $cur == /* ]]; then
        if declare -F _filedir >/dev/null; then
            _filedir -d
        else
            mapfile -t COMPREPLY < <(compgen -d -- "$cur")
            compopt -o filenames 2>/dev/null
        fi
        return
    fi
    if [[ -r /proc/self/mounts ]]; then
        local mp fs
        while IFS=$' \t' read -r _ mp fs _; do
            if [[ $fs == cgroup2 ]]; then
                mnt=$mp
                break
            fi
        done </proc/self/mounts
    fi
    if [[ -z $mnt ]]; then
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
        compopt -o filenames 2>/dev/null
        return
    fi
    while IFS= read -r d; do
        COMPREPLY+=("${d#"$mnt"/}/")
    done < <(compgen -d -- "$mnt/$cur")
    compopt -o nospace 2>/dev/null
}

# The command after "record [OPTIONS] [--]": complete it as if it were typed
# on its own. $1 is its index in COMP_WORDS.
_flightrec_command()
{
    local offset=$1
    if declare -F _command_offset >/dev/null; then
        _command_offset "$offset"
    elif [[ $COMP_CWORD -eq $offset ]]; then
        mapfile -t COMPREPLY < <(compgen -c -- "$cur" | sort -u)
    else
        _flightrec_files
    fi
}

_flightrec()
{
    local cur prev cword=$COMP_CWORD
    COMPREPLY=()
    cur=${COMP_WORDS[cword]}
    prev=${COMP_WORDS[cword - 1]}

    # "--opt=value": bash splits it into "--opt", "=", "value"
    if [[ $cur == = ]]; then
        cur=""
    elif [[ $prev == = && $cword -ge 2 ]]; then
        prev=${COMP_WORDS[cword - 2]}
    fi

    if [[ $cword -eq 1 ]]; then
        if [[ $cur == -* ]]; then
            _flightrec_opts "--version -V --help -h"
        else
            _flightrec_opts "$_flightrec_commands"
        fi
        return 0
    fi

    local sub=${COMP_WORDS[1]}
    case $sub in
        help)
            [[ $cword -eq 2 ]] && _flightrec_opts "$_flightrec_commands"
            return 0
            ;;
        record)
            _flightrec_record
            ;;
        dump)
            _flightrec_dump
            ;;
        trigger)
            _flightrec_trigger
            ;;
        stats)
            _flightrec_stats
            ;;
        mark)
            _flightrec_mark
            ;;
        ctl)
            _flightrec_ctl
            ;;
    esac
    return 0
}

# Where COMMAND starts in "record|trigger [OPTIONS] [--] COMMAND": sets start
# (0 when not yet). $1: the long options that take a value, $2: the short
# ones, as one string of letters.
_flightrec_command_start()
{
    # where does COMMAND start? after "--", or at the first word that is
    # neither an option nor an option's value
    local i w
    start=0
    for ((i = 2; i < cword; i++)); do
        w=${COMP_WORDS[i]}
        if [[ $w == -- ]]; then
            start=$((i + 1))
            break
        fi
        if [[ ${COMP_WORDS[i + 1]-} == = ]] && ((i + 1 < cword)); then
            # "--opt=value": skip "=" and the value
            ((i += 2))
            continue
        fi
        case $w in
            --*)
                [[ " $1 " == *" $w "* ]] && ((i++))
                ;;
            -?*)
                # a cluster of short options: one that takes a value takes
                # the rest of the word, or the next word when it is last
                local j c
                for ((j = 1; j < ${#w}; j++)); do
                    c=${w:j:1}
                    if [[ $2 == *"$c"* ]]; then
                        ((j == ${#w} - 1)) && ((i++))
                        break
                    fi
                done
                ;;
            *)
                start=$i
                break
                ;;
        esac
    done
}

_flightrec_record()
{
    local long="--events= --buffer= --max-size= --output= --force --pid= --comm= --cgroup= --duration= --attach= --name= --trace-id= --verbose --quiet --help --usage --version"
    local short="-e -b -o -f -p -d -v -q -h -V"

    local start
    _flightrec_command_start "--events --buffer --max-size --output --pid --comm --cgroup --duration --attach --name --trace-id" ebopd
    if ((start > 0 && cword >= start)); then
        _flightrec_command "$start"
        return
    fi

    case $prev in
        -e | --events)
            _flightrec_list "$_flightrec_groups" "$cur"
            return
            ;;
        --attach)
            _flightrec_opts "auto tp_btf raw_tp tracepoint"
            return
            ;;
        -F | --format)
            _flightrec_opts "text json"
            return
            ;;
        -o | --output)
            _flightrec_files
            return
            ;;
        -p | --pid)
            _flightrec_pids
            return
            ;;
        --cgroup)
            _flightrec_cgroups
            return
            ;;
        --comm)
            local names
            names=$(command ps axo comm= 2>/dev/null | sort -u)
            local IFS=$'\n'
            COMPREPLY=($(compgen -W "$names" -- "$cur"))
            return
            ;;
        -b | --buffer)
            _flightrec_opts "16M 64M 256M 1G"
            return
            ;;
        --max-size)
            _flightrec_opts "64M 256M 1G 4G"
            return
            ;;
        --name)
            _flightrec_recorders
            return
            ;;
        -d | --duration | --trace-id)
            return
            ;;
    esac

    if [[ -z $cur || $cur == -* ]]; then
        _flightrec_opts "$long $short --"
    else
        # the first word that is not an option starts COMMAND
        _flightrec_command "$cword"
    fi
}

_flightrec_figures="runqueue.p50 runqueue.p90 runqueue.p99 runqueue.max runqueue.total runqueue.count syscalls.count syscalls.errors syscalls.unpaired cpu.total offcpu.runnable offcpu.sleeping offcpu.dstate offcpu.other events.total events.crashes events.oom_kills loss.dropped loss.overwritten loss.file_overwritten loss.unwritten loss.malformed"
_flightrec_metrics="cpu.usage cpu.user cpu.sys cpu.iowait dstate.tasks dstate.load dstate.longest runqueue.p50 runqueue.p99 runqueue.max runqueue.wait memburst.anon memburst.rate io.util io.await io.p99 psi.cpu.some psi.memory.some psi.memory.full psi.io.some psi.io.full events.oom events.crash"

_flightrec_trigger()
{
    local long="--when= --list --pre= --post= --output= --format= --force --count= --cooldown= --timeout= --cgroup= --events= --buffer= --attach= --name= --now --verbose --quiet --help --usage --version"
    local short="-w -o -F -f -c -e -b -v -q -h -V"
    local start
    _flightrec_command_start "--when --pre --post --output --format --count --cooldown --timeout --cgroup --events --buffer --attach --name" woFcebd
    if ((start > 0 && cword >= start)); then
        _flightrec_command "$start"
        return
    fi

    case $prev in
        -w | --when)
            # the start of an expression: a metric name
            local IFS=$' \t\n'
            COMPREPLY=($(compgen -W "$_flightrec_metrics" -- "$cur"))
            return
            ;;
        -e | --events)
            _flightrec_list "$_flightrec_groups" "$cur"
            return
            ;;
        --attach)
            _flightrec_opts "auto tp_btf raw_tp tracepoint"
            return
            ;;
        -o | --output)
            _flightrec_files
            return
            ;;
        --cgroup)
            _flightrec_cgroups
            return
            ;;
        -b | --buffer)
            _flightrec_opts "16M 32M 64M 256M"
            return
            ;;
        --name)
            _flightrec_recorders
            return
            ;;
        -c | --count | --pre | --post | --cooldown | --timeout)
            return
            ;;
    esac

    if [[ -z $cur || $cur == -* ]]; then
        _flightrec_opts "$long $short --"
    else
        _flightrec_command "$cword"
    fi
}

_flightrec_stats()
{
    local long="--format= --top= --wide --name= --trace-id= --baseline= --fail-if= --help --usage --version"
    local short="-F -h -V"

    case $prev in
        -F | --format)
            _flightrec_opts "text json prometheus"
            return
            ;;
        --baseline)
            _flightrec_captures
            return
            ;;
        --fail-if)
            # the start of a condition: a figure of the summary
            local IFS=$' \t\n'
            COMPREPLY=($(compgen -W "$_flightrec_figures" -- "$cur"))
            return
            ;;
        --name)
            _flightrec_recorders
            return
            ;;
        --top | --trace-id)
            return
            ;;
    esac
    if [[ $cur == -* ]]; then
        _flightrec_opts "$long $short"
    else
        _flightrec_captures
    fi
}

_flightrec_dump()
{
    # --live takes its NAME in the same word or the next one, or none
    local long="--format= --pid= --type= --since= --until= --trace-id= --live --clear --info --wide --quiet --help --usage --version"
    local short="-F -p -t -i -q -h -V"

    case $prev in
        -F | --format)
            _flightrec_opts "text json ndjson chrome folded"
            return
            ;;
        -t | --type)
            _flightrec_list "$_flightrec_types $_flightrec_groups" "$cur"
            return
            ;;
        -p | --pid)
            _flightrec_pids
            return
            ;;
        --live)
            # NAME is optional: an option may follow instead
            if [[ $cur != -* ]]; then
                _flightrec_recorders
                return
            fi
            ;;
        --since | --until | --trace-id)
            return
            ;;
    esac

    # dump reads one FILE, or --live [NAME]: offer files until one is given
    local i w files=0 dashdash=0
    for ((i = 2; i < cword; i++)); do
        w=${COMP_WORDS[i]}
        if ((dashdash)); then
            ((files++))
            continue
        fi
        # --live [NAME] stands for FILE
        [[ $w == --live ]] && ((files++))
        if [[ ${COMP_WORDS[i + 1]-} == = ]] && ((i + 1 < cword)); then
            ((i += 2))
            continue
        fi
        case $w in
            --) dashdash=1 ;;
            --live)
                # its NAME, when the next word is not an option
                ((i + 1 < cword)) && [[ ${COMP_WORDS[i + 1]} != -* ]] && ((i++))
                ;;
            --format | --pid | --type | --since | --until | --trace-id) ((i++)) ;;
            -F | -p | -t) ((i++)) ;;
            -*) ;;
            *) ((files++)) ;;
        esac
    done

    if [[ $cur == -* && $dashdash -eq 0 ]]; then
        _flightrec_opts "$long $short"
    elif ((files == 0)); then
        _flightrec_captures
    fi
}

_flightrec_mark()
{
    local long="--meta= --trace-id= --pid= --end --name= --stdin --quiet --help --usage --version"
    local short="-m -p -q -h -V"

    case $prev in
        -p | --pid)
            _flightrec_pids
            return
            ;;
        --name)
            _flightrec_recorders
            return
            ;;
        -m | --meta | --trace-id)
            # free text: KEY=VALUE, a trace id
            return
            ;;
    esac
    # MARK is free text: only options are offered
    if [[ $cur == -* ]]; then
        _flightrec_opts "$long $short"
    fi
}

_flightrec_ctl()
{
    local long="--name= --format= --quiet --help --usage --version"
    local short="-F -q -h -V"

    case $prev in
        --name)
            _flightrec_recorders
            return
            ;;
        -F | --format)
            _flightrec_opts "text json"
            return
            ;;
    esac

    # ACTION [ARG]: the words that are neither options nor their values
    local i w args=()
    for ((i = 2; i < cword; i++)); do
        w=${COMP_WORDS[i]}
        if [[ ${COMP_WORDS[i + 1]-} == = ]] && ((i + 1 < cword)); then
            ((i += 2))
            continue
        fi
        case $w in
            --name | --format | -F) ((i++)) ;;
            -*) ;;
            *) args+=("$w") ;;
        esac
    done

    if [[ $cur == -* ]]; then
        _flightrec_opts "$long $short"
    elif ((${#args[@]} == 0)); then
        _flightrec_opts "$_flightrec_actions"
    elif ((${#args[@]} == 1)); then
        case ${args[0]} in
            enable | disable)
                _flightrec_list "$_flightrec_groups" "$cur"
                ;;
            # resize SIZE: a size from 64K to 4G, free text
        esac
    fi
}

complete -F _flightrec flightrec
