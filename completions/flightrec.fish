# fish completion for flightrec(8)
#
# Completes the commands, the options of record, trigger, dump, stats, mark
# and ctl and their values, and ctl's actions; --name and dump --live
# complete the names of the recorders running (their control sockets, NAME.sock in $FLIGHTREC_RUNDIR
# or /run/flightrec).

# The options of record and trigger that take a value in the next word:
# long ones, then the short ones as one string of letters.
set -g __flightrec_record_valued --events --buffer --max-size --output --pid --comm --cgroup --duration --attach --name --trace-id
set -g __flightrec_record_short ebopd
set -g __flightrec_trigger_valued --when --pre --post --output --count --cooldown --timeout --cgroup --events --buffer --attach --name
set -g __flightrec_trigger_short wocebd

# Where COMMAND starts in "record|trigger [OPTIONS] [--] COMMAND": prints
# its index in the words before the cursor and succeeds when it starts
# there (after "--", or at the first word that is neither an option nor an
# option's value).
function __flightrec_command_start
    set -l words (commandline -opc)
    set -l long
    set -l short
    switch "$words[2]"
        case record
            set long $__flightrec_record_valued
            set short $__flightrec_record_short
        case trigger
            set long $__flightrec_trigger_valued
            set short $__flightrec_trigger_short
        case '*'
            return 1
    end
    set -l n (count $words)
    set -l i 3
    while test $i -le $n
        set -l w $words[$i]
        switch $w
            case --
                echo (math $i + 1)
                return 0
            case '--*=*'
            case '--*'
                contains -- $w $long; and set i (math $i + 1)
            case '-?*'
                # a cluster of short options: one that takes a value takes
                # the rest of the word, or the next word when it is last
                set -l letters (string split '' -- $w)
                set -l len (count $letters)
                for j in (seq 2 $len)
                    if contains -- $letters[$j] (string split '' -- $short)
                        test $j -eq $len; and set i (math $i + 1)
                        break
                    end
                end
            case '*'
                echo $i
                return 0
        end
        set i (math $i + 1)
    end
    return 1
end

# No command yet: the word after flightrec.
function __flightrec_needs_command
    test (count (commandline -opc)) -eq 1
end

# Completing the options of command $argv[1] (for record and trigger:
# before their COMMAND).
function __flightrec_using -a cmd
    set -l words (commandline -opc)
    test (count $words) -ge 2; and test "$words[2]" = $cmd; or return 1
    switch $cmd
        case record trigger
            not __flightrec_command_start >/dev/null
    end
end

# Completing COMMAND or its arguments after "record|trigger [OPTIONS]".
function __flightrec_in_command
    set -l words (commandline -opc)
    contains -- "$words[2]" record trigger; or return 1
    __flightrec_command_start >/dev/null; and return 0
    # the current word starts COMMAND unless it is an option
    not string match -q -- '-*' (commandline -ct)
end

# COMMAND [ARG...] completed as if typed on its own.
function __flightrec_complete_command
    set -l words (commandline -opc)
    set -l start (__flightrec_command_start)
    set -l cmd
    if test -n "$start"
        set cmd (string escape -- $words[$start..-1])
    end
    complete -C (string join ' ' -- $cmd (commandline -ct))
end

# dump FILE, stats [FILE]: true while no FILE (nor --live, --name) is given.
function __flightrec_wants_file
    set -l words (commandline -opc)
    set -l valued
    switch "$words[2]"
        case dump
            set valued --format --pid --type --since --until --trace-id --live -F -p -t
        case stats
            set valued --format --top --name --trace-id --baseline --fail-if -F
        case '*'
            return 1
    end
    set -l n (count $words)
    set -l i 3
    set -l dashdash 0
    while test $i -le $n
        set -l w $words[$i]
        if test $dashdash -eq 1
            return 1
        end
        switch $w
            case --
                set dashdash 1
            case '--live' '--live=*' '--name' '--name=*'
                return 1
            case '-*'
                contains -- $w $valued; and set i (math $i + 1)
            case '*'
                return 1
        end
        set i (math $i + 1)
    end
    return 0
end

# ctl ACTION [ARG]: prints the words given so far that are neither options
# nor their values.
function __flightrec_ctl_args
    set -l words (commandline -opc)
    set -l n (count $words)
    set -l i 3
    while test $i -le $n
        set -l w $words[$i]
        switch $w
            case --name --format -F
                set i (math $i + 1)
            case '-*'
            case '*'
                echo $w
        end
        set i (math $i + 1)
    end
end

# ctl: true when the next word is ACTION ($argv[1] = none) or the argument
# of one of the actions in $argv[2..] ($argv[1] = arg).
function __flightrec_ctl_wants -a what
    set -l args (__flightrec_ctl_args)
    switch $what
        case none
            test (count $args) -eq 0
        case arg
            test (count $args) -eq 1; and contains -- $args[1] $argv[2..-1]
    end
end

# A comma-separated list: the words in $argv that the current item may be,
# after the items already given (each only once).
function __flightrec_list
    # the value of --opt=VALUE or -oVALUE
    set -l cur (commandline -ct | string replace -r -- '^--[a-z-]+=|^-[a-zA-Z]' '')
    set -l prefix (string match -r -- '^.*,' $cur)
    set -l given (string split , -- (string replace -r -- ',$' '' "$prefix"))
    for w in $argv
        set -l name (string replace -r -- '\t.*' '' $w)
        contains -- $name $given; and continue
        printf '%s%s\n' "$prefix" $w
    end
end

function __flightrec_groups
    __flightrec_list \
        sched\t'context switches and wake-ups' \
        process\t'fork, exec and exit' \
        syscalls\t'system call entries and exits' \
        block\t'block I/O requests' \
        all\t'every group'
end

function __flightrec_types
    __flightrec_list sched_switch sched_wakeup sched_wakeup_new \
        process_fork process_exec process_exit sys_enter sys_exit \
        block_issue block_complete oom_kill mark \
        sched\t'group: sched_*' \
        process\t'group: process_*' \
        syscalls\t'group: sys_enter, sys_exit' \
        block\t'group: block_*' \
        all\t'every type'
end

# The names of the running recorders: their control sockets, NAME.sock (the
# directory is root-only: nothing for other users).
function __flightrec_recorders
    set -l dir $FLIGHTREC_RUNDIR
    test -n "$dir"; or set dir /run/flightrec
    for f in $dir/*.sock
        test -S $f; or continue
        string replace -r -- '^.*/(.*)\.sock$' '$1\tRecorder' $f
    end
end

# Files, captures (*.frec) and directories first.
function __flightrec_captures
    __fish_complete_suffix (commandline -ct | string replace -r -- '^--[a-z-]+=' '') .frec
end

# --cgroup: an absolute directory, or one relative to the cgroup2 mount.
function __flightrec_cgroups
    set -l cur (commandline -ct | string replace -r -- '^--cgroup=' '')
    set -l mnt
    if not string match -q -- '/*' $cur; and test -r /proc/self/mounts
        set mnt (string replace -rf -- '^\S+ (\S+) cgroup2 .*' '$1' </proc/self/mounts)[1]
    end
    if test -z "$mnt"
        __fish_complete_directories $cur Cgroup
        return
    end
    for d in $mnt/$cur*/
        printf '%s\tCgroup\n' (string replace -- "$mnt/" '' $d)
    end
end

function __flightrec_metrics
    printf '%s\n' \
        cpu.usage\t'CPU busy, share of all CPUs (%)' \
        cpu.user\t'CPU time in user mode (%)' \
        cpu.sys\t'CPU time in the kernel (%)' \
        cpu.iowait\t'CPU idle with I/O outstanding (%)' \
        dstate.tasks\t'Tasks in uninterruptible sleep now' \
        dstate.load\t'D-state tasks averaged over a minute' \
        dstate.longest\t'Longest any task now in D state has been there' \
        runqueue.p50\t'Median run-queue latency' \
        runqueue.p99\t'99th percentile run-queue latency' \
        runqueue.max\t'Longest run-queue latency' \
        runqueue.wait\t'Time runnable tasks spent waiting (%)' \
        memburst.anon\t'Anonymous memory in use' \
        memburst.rate\t'Growth of anonymous memory per second' \
        io.util\t'Busiest disk\'s utilisation (%)' \
        io.await\t'Busiest disk\'s average request time' \
        io.p99\t'99th percentile block request latency' \
        psi.cpu.some\t'/proc/pressure/cpu some avg10 (%)' \
        psi.memory.some\t'/proc/pressure/memory some avg10 (%)' \
        psi.memory.full\t'/proc/pressure/memory full avg10 (%)' \
        psi.io.some\t'/proc/pressure/io some avg10 (%)' \
        psi.io.full\t'/proc/pressure/io full avg10 (%)' \
        events.oom\t'Processes killed by the OOM killer' \
        events.crash\t'Processes killed by SIGSEGV, SIGBUS, SIGABRT...'
end

# stats --fail-if: the start of a condition, a figure of the summary.
function __flightrec_figures
    printf '%s\tFigure\n' runqueue.p50 runqueue.p90 runqueue.p99 runqueue.max \
        runqueue.total runqueue.count syscalls.count syscalls.errors \
        syscalls.unpaired cpu.total offcpu.runnable offcpu.sleeping \
        offcpu.dstate offcpu.other events.total events.crashes \
        events.oom_kills loss.dropped loss.overwritten loss.file_overwritten \
        loss.unwritten loss.malformed
end

complete -c flightrec -e
# files only where an option or argument takes one
complete -c flightrec -f

# flightrec [--version] [--help] COMMAND
complete -c flightrec -n __flightrec_needs_command -s V -l version -d 'Print version, build and kernel features'
complete -c flightrec -n __flightrec_needs_command -s h -l help -d 'Show the commands'
complete -c flightrec -n __flightrec_needs_command -a record -d 'Arm probes and keep a bounded ring of kernel events'
complete -c flightrec -n __flightrec_needs_command -a trigger -d 'Run autotracing detectors; capture when one fires'
complete -c flightrec -n __flightrec_needs_command -a dump -d 'Decode a capture to text, JSON or NDJSON'
complete -c flightrec -n __flightrec_needs_command -a stats -d 'Summarise a capture: CPU, run queue, syscalls, I/O'
complete -c flightrec -n __flightrec_needs_command -a mark -d 'Put a named marker into a live recorder'
complete -c flightrec -n __flightrec_needs_command -a ctl -d 'Pause, resume, clear, resize a live recorder; groups on and off'
complete -c flightrec -n __flightrec_needs_command -a help -d 'Show help for flightrec or one of its commands'

# help COMMAND
complete -c flightrec -n '__flightrec_using help; and test (count (commandline -opc)) -eq 2' -a 'record trigger dump stats mark ctl help'

# argp's own options, for every command
for cmd in record trigger dump stats mark ctl
    complete -c flightrec -n "__flightrec_using $cmd" -s h -l help -d 'Give this help list'
    complete -c flightrec -n "__flightrec_using $cmd" -l usage -d 'Give a short usage message'
    complete -c flightrec -n "__flightrec_using $cmd" -s V -l version -d 'Print program version'
end

# record [OPTION...] [-- COMMAND [ARG...]]
set -l c '__flightrec_using record'
complete -c flightrec -n $c -s b -l buffer -x -a '16M 64M 256M 1G' -d 'Size of the in-memory ring'
complete -c flightrec -n $c -s e -l events -x -a '(__flightrec_groups)' -d 'Probe groups to record'
complete -c flightrec -n $c -s f -l force -d 'Replace FILE if it exists'
complete -c flightrec -n $c -l max-size -x -a '64M 256M 1G 4G' -d 'Write FILE as it records, a ring file of at most SIZE'
complete -c flightrec -n $c -s o -l output -r -F -d 'Write the capture to FILE'
complete -c flightrec -n $c -l cgroup -x -a '(__flightrec_cgroups)' -d 'Record only tasks in this cgroup v2 directory'
complete -c flightrec -n $c -l comm -x -a '(__fish_complete_proc)' -d 'Record only tasks whose name (comm) is NAME'
complete -c flightrec -n $c -s p -l pid -x -a '(__fish_complete_pids)' -d 'Record only this process and its threads'
complete -c flightrec -n $c -l attach -x -a 'auto tp_btf raw_tp tracepoint' -d 'Preferred attach method'
complete -c flightrec -n $c -s d -l duration -x -d 'Stop after DURATION (10s, 500ms, 2m)'
complete -c flightrec -n $c -l name -x -a '(__flightrec_recorders)' -d 'Name of this recorder on its control socket'
complete -c flightrec -n $c -l trace-id -x -d "Label every event of COMMAND's tree with this trace id"
complete -c flightrec -n $c -s q -l quiet -d 'Print nothing but errors'
complete -c flightrec -n $c -s v -l verbose -d 'Say which attach method each probe uses; twice for libbpf logs'

# trigger [OPTION...] [-- COMMAND [ARG...]]
set c '__flightrec_using trigger'
complete -c flightrec -n $c -l list -d 'List the detectors, their metrics and the EXPR syntax'
complete -c flightrec -n $c -s w -l when -x -a '(__flightrec_metrics)' -d 'Fire when EXPR holds (repeatable)'
complete -c flightrec -n $c -s f -l force -d 'Replace a capture file that exists'
complete -c flightrec -n $c -s F -l format -x -a "text\t'A line per capture (default)' json\t'An object per line'" -d 'What stdout says'
complete -c flightrec -n $c -s o -l output -r -F -d 'Capture file name (%t time, %d detector, %n number, %h host)'
complete -c flightrec -n $c -l post -x -d 'Record this long after the firing (default 5s)'
complete -c flightrec -n $c -l pre -x -d 'Keep this much history before the firing (default 10s)'
complete -c flightrec -n $c -l cgroup -x -a '(__flightrec_cgroups)' -d 'Watch this cgroup instead of the host'
complete -c flightrec -n $c -l cooldown -x -d 'After a firing, the same detector stays quiet this long'
complete -c flightrec -n $c -s c -l count -x -d 'Exit after N captures (0: no limit)'
complete -c flightrec -n $c -l timeout -x -d 'Give up after DURATION without enough firings'
complete -c flightrec -n $c -l attach -x -a 'auto tp_btf raw_tp tracepoint' -d 'Preferred attach method'
complete -c flightrec -n $c -s b -l buffer -x -a '16M 32M 64M 256M' -d 'Size of the in-memory ring'
complete -c flightrec -n $c -s e -l events -x -a '(__flightrec_groups)' -d 'Probe groups in the ring'
complete -c flightrec -n $c -l name -x -a '(__flightrec_recorders)' -d 'Name of this recorder; with --now, the recorder to ask'
complete -c flightrec -n $c -l now -d 'Ask the running recorder for a capture of its ring now'
complete -c flightrec -n $c -s q -l quiet -d 'No status line, no messages but errors'
complete -c flightrec -n $c -s v -l verbose -d 'Say more: probes, samples; twice for libbpf logs'

# record, trigger: COMMAND [ARG...]
complete -c flightrec -n __flightrec_in_command -a '(__flightrec_complete_command)'

# dump [OPTION...] FILE | --live [NAME]
set c '__flightrec_using dump'
complete -c flightrec -n $c -s F -l format -x -d 'Output format' -a "
    text\t'One line per event (default)'
    json\t'One document'
    ndjson\t'One object per line'
    chrome\t'Trace events for Perfetto and chrome://tracing'
    folded\t'Collapsed stacks of a trigger capture\'s profile'"
complete -c flightrec -n $c -s i -l info -d 'Describe the capture instead of printing its events'
complete -c flightrec -n $c -l live -x -a '(__flightrec_recorders)' -d 'A snapshot of the ring of the running recorder NAME (default: the only one)'
complete -c flightrec -n $c -l clear -d "With --live and --trace-id: take the trace's events out of the ring"
complete -c flightrec -n $c -s p -l pid -x -a '(__fish_complete_pids)' -d 'Only events of this process'
complete -c flightrec -n $c -l since -x -d 'Only events at or after TIME (2s, 150ms, a date, @UNIX_SECONDS)'
complete -c flightrec -n $c -l trace-id -x -d 'Only the events labelled with this trace id'
complete -c flightrec -n $c -s t -l type -x -a '(__flightrec_types)' -d 'Only these event types or groups'
complete -c flightrec -n $c -l until -x -d 'Only events before TIME'
complete -c flightrec -n $c -l wide -d 'Text wider than 80 columns: every field, each line whole'
complete -c flightrec -n $c -s q -l quiet -d 'No warnings naming each damaged part of a capture'
complete -c flightrec -n "$c; and __flightrec_wants_file" -k -a '(__flightrec_captures)'

# stats [OPTION...] [FILE]
set c '__flightrec_using stats'
complete -c flightrec -n $c -s F -l format -x -a 'text json prometheus' -d 'Output format'
complete -c flightrec -n $c -l name -x -a '(__flightrec_recorders)' -d 'Without FILE: the running recorder to ask'
complete -c flightrec -n $c -l top -x -d 'Rows in the process and system call tables'
complete -c flightrec -n $c -l wide -d 'Text wider than 80 columns: every column'
complete -c flightrec -n $c -l trace-id -x -d 'Summarise only the events labelled with this trace id'
complete -c flightrec -n $c -l baseline -x -k -a '(__flightrec_captures)' -d 'Compare with the capture BASE'
complete -c flightrec -n $c -l fail-if -x -a '(__flightrec_figures)' -d 'Exit 1 when COND holds (repeatable)'
complete -c flightrec -n "$c; and __flightrec_wants_file" -k -a '(__flightrec_captures)'

# mark [OPTION...] NAME | --stdin
set c '__flightrec_using mark'
complete -c flightrec -n $c -l end -d "End the trace's span (needs --trace-id)"
complete -c flightrec -n $c -s m -l meta -x -d 'Metadata KEY=VALUE (repeatable)'
complete -c flightrec -n $c -s p -l pid -x -a '(__fish_complete_pids)' -d 'The process the mark is about'
complete -c flightrec -n $c -l trace-id -x -d 'The trace the mark belongs to (32 hex digits)'
complete -c flightrec -n $c -l name -x -a '(__flightrec_recorders)' -d 'The recorder to mark'
complete -c flightrec -n $c -s q -l quiet -d 'Print nothing but errors'
complete -c flightrec -n $c -l stdin -d 'Read marks from standard input, one per line'

# ctl [OPTION...] ACTION [ARG]
set c '__flightrec_using ctl'
complete -c flightrec -n $c -l name -x -a '(__flightrec_recorders)' -d 'The recorder to control'
complete -c flightrec -n $c -s F -l format -x -a "text\t'A line or a few (default)' json\t'The reply as an object'" -d 'What to print'
complete -c flightrec -n $c -s q -l quiet -d 'Print nothing but errors'
complete -c flightrec -n "$c; and __flightrec_ctl_wants none" -a "
    status\t'Whether it records, its groups, its ring'
    pause\t'Stop taking events, keep the ring'
    resume\t'Take events again'
    clear\t'Empty the ring (and a ring file)'
    resize\t'Make the ring SIZE now (64K to 4G)'
    enable\t'Attach probe groups'
    disable\t'Detach probe groups'"
complete -c flightrec -n "$c; and __flightrec_ctl_wants arg enable disable" -a '(__flightrec_groups)'
