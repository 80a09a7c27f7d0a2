
use builtin;
use str;

set edit:completion:arg-completer[deployctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'deployctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'deployctl'= {
            cand --zk 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]'
            cand --zk-root 'Root znode under which deployctl keeps its data [default: /deployctl]'
            cand --zk-auth 'ZooKeeper digest credentials USER:PASSWORD'
            cand --zk-auth-file 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)'
            cand --connect-timeout 'How long to try reaching ZooKeeper before giving up with exit code 4'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr (json for log shippers)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output'
            cand --quiet 'Less output'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand publish 'Register a new release of an app in ZooKeeper'
            cand agent 'Run the host daemon that rolls releases out on this host'
            cand wait-for-rollout 'Block until every host runs the release, it fails, or the timeout passes'
            cand status 'Show every host''s state for an app'
            cand pause 'Hold the rollout: running deploys finish, no new slot is granted'
            cand resume 'Continue a paused rollout'
            cand abort 'Stop the current release for good'
            cand rollback 'Publish an earlier release again, marked as a rollback'
            cand history 'List the releases with their outcome'
            cand init 'Lock the tree down with ZooKeeper ACLs: publisher, agent and world permissions'
            cand apps 'List, show or delete apps'
            cand ssh-push 'Deploy over SSH to hosts without agents: canary first, then a bounded parallel pool'
            cand sandbox 'Run a real local rollout: throwaway ZooKeeper, N agents, two staggered releases'
            cand completions 'Print shell completions'
            cand man 'Print the man page (or write all pages with --out-dir)'
            cand generate-assets 'Write completions/ and man/ from the CLI definition (--check: fail on drift)'
            cand exec-guard 'Internal: supervise one agent command (kills its process group when the agent goes)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'deployctl;publish'= {
            cand --version-from-git 'Derive the version from the git repository at PATH (tag, describe, or short sha) and record its commit, ref, author and subject in the release'
            cand --git-repo 'Agents deploy from this git repository: a checkout per version and a `current` symlink'
            cand --git-ref 'With --git-repo: the ref to deploy, a template [default: {{ version }}]'
            cand --keep-releases 'With --git-repo: checkouts kept on each host [default: 5]'
            cand --slots 'Max hosts deploying at once [default: 1]'
            cand --deploy-cmd 'Deploy command (minijinja template; every value is shell-quoted)'
            cand --get-version-cmd 'Prints the version a host runs; a host already at VERSION does not take a slot'
            cand --health-cmd 'Must succeed after the deploy for the host to count as healthy'
            cand --pre-cmd 'Runs before the deploy command on each host'
            cand --post-cmd 'Runs on each host after it became healthy'
            cand --run-once-cmd 'Runs on exactly one host before any host deploys (e.g. a database migration)'
            cand --canary 'The first N hosts to take a slot must be healthy before any other host starts'
            cand --max-failures 'Failed hosts tolerated before the release halts, as a count or N% [default: 0]'
            cand --retries 'Extra attempts per host after a failed deploy, with doubling backoff [default: 0]'
            cand --retry-delay 'First delay between attempts [default: 1s]'
            cand --health-retries 'Extra runs of the health command before the host counts as failed [default: 0]'
            cand --health-interval 'Pause between health command runs [default: 1s]'
            cand --health-timeout 'Timeout of one health command run [default: the command timeout]'
            cand --groups 'Only agents in one of these groups take part'
            cand --slot-increment 'After each healthy host, grow the slot count by K (accelerating rollout)'
            cand --command-timeout 'Timeout for each command on a host [default: 10m]'
            cand --var 'Template variable, available as {{ vars.NAME }} (repeatable)'
            cand --secret-var 'Secret template variable: like --var, but its value is masked in every output, status and log (repeatable)'
            cand --spec 'Read the release from a TOML or JSON file; flags override its values'
            cand --timeout 'Give up after this long, with exit code 3 [default: 15m]'
            cand --expect-hosts 'Also wait until this many hosts take part'
            cand --junit 'Write a JUnit XML report here (one testcase per host)'
            cand --json-file 'Write the JSON summary here'
            cand --heartbeat 'Interval of progress heartbeat lines in CI logs'
            cand --zk 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]'
            cand --zk-root 'Root znode under which deployctl keeps its data [default: /deployctl]'
            cand --zk-auth 'ZooKeeper digest credentials USER:PASSWORD'
            cand --zk-auth-file 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)'
            cand --connect-timeout 'How long to try reaching ZooKeeper before giving up with exit code 4'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr (json for log shippers)'
            cand --allow-dirty 'With --version-from-git: accept uncommitted changes (the version gets `-dirty`)'
            cand --auto-rollback 'When the release halts, publish the previous release again'
            cand --force 'Publish a new release even if the current one asks for the same'
            cand --wait 'Then wait for the rollout like `wait-for-rollout` (same flags and exit codes)'
            cand --events 'Stream NDJSON events on stdout while waiting'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output'
            cand --quiet 'Less output'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'deployctl;agent'= {
            cand --config 'Agent config (TOML) [default: /etc/deployctl/agent.toml, if it exists]'
            cand --host 'Host name to register as [default: the hostname]'
            cand --app 'App to serve (repeatable; added to the config''s apps)'
            cand --group 'Group this host belongs to (repeatable; added to the config''s groups)'
            cand --state-dir 'Working directory root for commands (each app gets apps/<app> below it)'
            cand --session-timeout 'ZooKeeper session timeout; a dead agent''s slot is freed after this [default: 10s]'
            cand --zk 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]'
            cand --zk-root 'Root znode under which deployctl keeps its data [default: /deployctl]'
            cand --zk-auth 'ZooKeeper digest credentials USER:PASSWORD'
            cand --zk-auth-file 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)'
            cand --connect-timeout 'How long to try reaching ZooKeeper before giving up with exit code 4'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr (json for log shippers)'
            cand --once 'One pass over every app (roll out the current release if needed), then exit'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output'
            cand --quiet 'Less output'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'deployctl;wait-for-rollout'= {
            cand --version 'Wait for the latest release of this version [default: the latest release]'
            cand --release 'Wait for this release id'
            cand --timeout 'Give up after this long, with exit code 3 [default: 15m]'
            cand --expect-hosts 'Also wait until this many hosts take part'
            cand --junit 'Write a JUnit XML report here (one testcase per host)'
            cand --json-file 'Write the JSON summary here'
            cand --heartbeat 'Interval of progress heartbeat lines in CI logs'
            cand --zk 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]'
            cand --zk-root 'Root znode under which deployctl keeps its data [default: /deployctl]'
            cand --zk-auth 'ZooKeeper digest credentials USER:PASSWORD'
            cand --zk-auth-file 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)'
            cand --connect-timeout 'How long to try reaching ZooKeeper before giving up with exit code 4'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr (json for log shippers)'
            cand --events 'Stream NDJSON events on stdout while waiting'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output'
            cand --quiet 'Less output'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'deployctl;status'= {
            cand --zk 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]'
            cand --zk-root 'Root znode under which deployctl keeps its data [default: /deployctl]'
            cand --zk-auth 'ZooKeeper digest credentials USER:PASSWORD'
            cand --zk-auth-file 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)'
            cand --connect-timeout 'How long to try reaching ZooKeeper before giving up with exit code 4'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr (json for log shippers)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output'
            cand --quiet 'Less output'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'deployctl;pause'= {
            cand --zk 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]'
            cand --zk-root 'Root znode under which deployctl keeps its data [default: /deployctl]'
            cand --zk-auth 'ZooKeeper digest credentials USER:PASSWORD'
            cand --zk-auth-file 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)'
            cand --connect-timeout 'How long to try reaching ZooKeeper before giving up with exit code 4'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr (json for log shippers)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output'
            cand --quiet 'Less output'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'deployctl;resume'= {
            cand --zk 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]'
            cand --zk-root 'Root znode under which deployctl keeps its data [default: /deployctl]'
            cand --zk-auth 'ZooKeeper digest credentials USER:PASSWORD'
            cand --zk-auth-file 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)'
            cand --connect-timeout 'How long to try reaching ZooKeeper before giving up with exit code 4'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr (json for log shippers)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output'
            cand --quiet 'Less output'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'deployctl;abort'= {
            cand --zk 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]'
            cand --zk-root 'Root znode under which deployctl keeps its data [default: /deployctl]'
            cand --zk-auth 'ZooKeeper digest credentials USER:PASSWORD'
            cand --zk-auth-file 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)'
            cand --connect-timeout 'How long to try reaching ZooKeeper before giving up with exit code 4'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr (json for log shippers)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output'
            cand --quiet 'Less output'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'deployctl;rollback'= {
            cand --to 'Version to go back to [default: the newest earlier good release with another version]'
            cand --timeout 'Give up after this long, with exit code 3 [default: 15m]'
            cand --expect-hosts 'Also wait until this many hosts take part'
            cand --junit 'Write a JUnit XML report here (one testcase per host)'
            cand --json-file 'Write the JSON summary here'
            cand --heartbeat 'Interval of progress heartbeat lines in CI logs'
            cand --zk 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]'
            cand --zk-root 'Root znode under which deployctl keeps its data [default: /deployctl]'
            cand --zk-auth 'ZooKeeper digest credentials USER:PASSWORD'
            cand --zk-auth-file 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)'
            cand --connect-timeout 'How long to try reaching ZooKeeper before giving up with exit code 4'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr (json for log shippers)'
            cand --wait 'Then wait for the rollback''s rollout (same flags and exit codes as wait-for-rollout)'
            cand --events 'Stream NDJSON events on stdout while waiting'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output'
            cand --quiet 'Less output'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'deployctl;history'= {
            cand --zk 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]'
            cand --zk-root 'Root znode under which deployctl keeps its data [default: /deployctl]'
            cand --zk-auth 'ZooKeeper digest credentials USER:PASSWORD'
            cand --zk-auth-file 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)'
            cand --connect-timeout 'How long to try reaching ZooKeeper before giving up with exit code 4'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr (json for log shippers)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output'
            cand --quiet 'Less output'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'deployctl;init'= {
            cand --publisher 'Credentials CI publishes with (they own the tree)'
            cand --agent 'Credentials agents connect with (presence, status, slots, ledgers only)'
            cand --zk 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]'
            cand --zk-root 'Root znode under which deployctl keeps its data [default: /deployctl]'
            cand --zk-auth 'ZooKeeper digest credentials USER:PASSWORD'
            cand --zk-auth-file 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)'
            cand --connect-timeout 'How long to try reaching ZooKeeper before giving up with exit code 4'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr (json for log shippers)'
            cand --world-read 'Let anyone read (never write) the tree'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output'
            cand --quiet 'Less output'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'deployctl;apps'= {
            cand --zk 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]'
            cand --zk-root 'Root znode under which deployctl keeps its data [default: /deployctl]'
            cand --zk-auth 'ZooKeeper digest credentials USER:PASSWORD'
            cand --zk-auth-file 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)'
            cand --connect-timeout 'How long to try reaching ZooKeeper before giving up with exit code 4'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr (json for log shippers)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output'
            cand --quiet 'Less output'
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'List apps with their current release (the default)'
            cand show 'Show an app''s current release spec'
            cand delete 'Delete an app and its history, status and slots'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'deployctl;apps;list'= {
            cand --zk 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]'
            cand --zk-root 'Root znode under which deployctl keeps its data [default: /deployctl]'
            cand --zk-auth 'ZooKeeper digest credentials USER:PASSWORD'
            cand --zk-auth-file 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)'
            cand --connect-timeout 'How long to try reaching ZooKeeper before giving up with exit code 4'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr (json for log shippers)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output'
            cand --quiet 'Less output'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'deployctl;apps;show'= {
            cand --zk 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]'
            cand --zk-root 'Root znode under which deployctl keeps its data [default: /deployctl]'
            cand --zk-auth 'ZooKeeper digest credentials USER:PASSWORD'
            cand --zk-auth-file 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)'
            cand --connect-timeout 'How long to try reaching ZooKeeper before giving up with exit code 4'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr (json for log shippers)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output'
            cand --quiet 'Less output'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'deployctl;apps;delete'= {
            cand --zk 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]'
            cand --zk-root 'Root znode under which deployctl keeps its data [default: /deployctl]'
            cand --zk-auth 'ZooKeeper digest credentials USER:PASSWORD'
            cand --zk-auth-file 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)'
            cand --connect-timeout 'How long to try reaching ZooKeeper before giving up with exit code 4'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr (json for log shippers)'
            cand --force 'Delete even while agents are registered for it'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output'
            cand --quiet 'Less output'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'deployctl;apps;help'= {
            cand list 'List apps with their current release (the default)'
            cand show 'Show an app''s current release spec'
            cand delete 'Delete an app and its history, status and slots'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'deployctl;apps;help;list'= {
        }
        &'deployctl;apps;help;show'= {
        }
        &'deployctl;apps;help;delete'= {
        }
        &'deployctl;apps;help;help'= {
        }
        &'deployctl;ssh-push'= {
            cand --hosts 'Hosts, [user@]host[:port], comma-separated'
            cand --inventory 'Inventory file: one [user@]host[:port] per line, `#` comments, `[group]` sections'
            cand --group 'Only the hosts of this inventory section'
            cand --cmd 'The command to run on each host (a template; values are shell-quoted)'
            cand --plan 'A TOML plan of stages (see docs/ssh-push.md)'
            cand --version 'The version being deployed ({{ version }} in commands)'
            cand --app 'Take this app''s ZooKeeper slots and report status like its agents (needs a published release; its version is used when --version is not given)'
            cand --var 'Template variable, {{ vars.NAME }} (repeatable)'
            cand --secret-var 'Secret template variable: masked in every output (repeatable)'
            cand --parallel 'Hosts running at once after the canaries'
            cand --canary 'The first N hosts run first; a failure there stops everything'
            cand --retries 'Extra attempts per command, with doubling backoff'
            cand --retry-delay 'First delay between attempts'
            cand --timeout 'Timeout of each command'
            cand --ssh-option 'Extra ssh_config option, e.g. --ssh-option ProxyJump=bastion (repeatable)'
            cand --identity 'Private key to use (only this key is offered)'
            cand --user 'Remote user when a host does not name one'
            cand --ssh-timeout 'SSH connect timeout'
            cand --junit 'Write a JUnit XML report here (one testsuite per stage, one testcase per host)'
            cand --json-file 'Write the JSON summary here'
            cand --zk 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]'
            cand --zk-root 'Root znode under which deployctl keeps its data [default: /deployctl]'
            cand --zk-auth 'ZooKeeper digest credentials USER:PASSWORD'
            cand --zk-auth-file 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)'
            cand --connect-timeout 'How long to try reaching ZooKeeper before giving up with exit code 4'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr (json for log shippers)'
            cand --continue-on-error 'Keep going on the other hosts after a (non-canary) failure'
            cand --insecure-ignore-host-keys 'Do not check host keys (host key checking is on by default)'
            cand --local 'Run on this machine without SSH (hosts must be `localhost`)'
            cand --events 'Stream NDJSON events on stdout'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output'
            cand --quiet 'Less output'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'deployctl;sandbox'= {
            cand --hosts 'Number of agents (hosts)'
            cand --slots 'Hosts deploying at once'
            cand --fail-host 'Make this host''s deploy fail (e.g. host-2), to see a failed rollout'
            cand --results 'Where the JUnit and JSON reports are written'
            cand --zk 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]'
            cand --zk-root 'Root znode under which deployctl keeps its data [default: /deployctl]'
            cand --zk-auth 'ZooKeeper digest credentials USER:PASSWORD'
            cand --zk-auth-file 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)'
            cand --connect-timeout 'How long to try reaching ZooKeeper before giving up with exit code 4'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr (json for log shippers)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output'
            cand --quiet 'Less output'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'deployctl;completions'= {
            cand --zk 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]'
            cand --zk-root 'Root znode under which deployctl keeps its data [default: /deployctl]'
            cand --zk-auth 'ZooKeeper digest credentials USER:PASSWORD'
            cand --zk-auth-file 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)'
            cand --connect-timeout 'How long to try reaching ZooKeeper before giving up with exit code 4'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr (json for log shippers)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output'
            cand --quiet 'Less output'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'deployctl;man'= {
            cand --out-dir 'Write every page (deployctl.1, deployctl-publish.1, ...) into this directory instead of printing the main page'
            cand --zk 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]'
            cand --zk-root 'Root znode under which deployctl keeps its data [default: /deployctl]'
            cand --zk-auth 'ZooKeeper digest credentials USER:PASSWORD'
            cand --zk-auth-file 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)'
            cand --connect-timeout 'How long to try reaching ZooKeeper before giving up with exit code 4'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr (json for log shippers)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output'
            cand --quiet 'Less output'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'deployctl;generate-assets'= {
            cand --dir 'The repository root holding completions/ and man/'
            cand --zk 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]'
            cand --zk-root 'Root znode under which deployctl keeps its data [default: /deployctl]'
            cand --zk-auth 'ZooKeeper digest credentials USER:PASSWORD'
            cand --zk-auth-file 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)'
            cand --connect-timeout 'How long to try reaching ZooKeeper before giving up with exit code 4'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr (json for log shippers)'
            cand --check 'Do not write: fail (exit 1) when a committed file differs from what the CLI generates'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output'
            cand --quiet 'Less output'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'deployctl;exec-guard'= {
            cand --zk 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]'
            cand --zk-root 'Root znode under which deployctl keeps its data [default: /deployctl]'
            cand --zk-auth 'ZooKeeper digest credentials USER:PASSWORD'
            cand --zk-auth-file 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)'
            cand --connect-timeout 'How long to try reaching ZooKeeper before giving up with exit code 4'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr (json for log shippers)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output'
            cand --quiet 'Less output'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'deployctl;help'= {
            cand publish 'Register a new release of an app in ZooKeeper'
            cand agent 'Run the host daemon that rolls releases out on this host'
            cand wait-for-rollout 'Block until every host runs the release, it fails, or the timeout passes'
            cand status 'Show every host''s state for an app'
            cand pause 'Hold the rollout: running deploys finish, no new slot is granted'
            cand resume 'Continue a paused rollout'
            cand abort 'Stop the current release for good'
            cand rollback 'Publish an earlier release again, marked as a rollback'
            cand history 'List the releases with their outcome'
            cand init 'Lock the tree down with ZooKeeper ACLs: publisher, agent and world permissions'
            cand apps 'List, show or delete apps'
            cand ssh-push 'Deploy over SSH to hosts without agents: canary first, then a bounded parallel pool'
            cand sandbox 'Run a real local rollout: throwaway ZooKeeper, N agents, two staggered releases'
            cand completions 'Print shell completions'
            cand man 'Print the man page (or write all pages with --out-dir)'
            cand generate-assets 'Write completions/ and man/ from the CLI definition (--check: fail on drift)'
            cand exec-guard 'Internal: supervise one agent command (kills its process group when the agent goes)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'deployctl;help;publish'= {
        }
        &'deployctl;help;agent'= {
        }
        &'deployctl;help;wait-for-rollout'= {
        }
        &'deployctl;help;status'= {
        }
        &'deployctl;help;pause'= {
        }
        &'deployctl;help;resume'= {
        }
        &'deployctl;help;abort'= {
        }
        &'deployctl;help;rollback'= {
        }
        &'deployctl;help;history'= {
        }
        &'deployctl;help;init'= {
        }
        &'deployctl;help;apps'= {
            cand list 'List apps with their current release (the default)'
            cand show 'Show an app''s current release spec'
            cand delete 'Delete an app and its history, status and slots'
        }
        &'deployctl;help;apps;list'= {
        }
        &'deployctl;help;apps;show'= {
        }
        &'deployctl;help;apps;delete'= {
        }
        &'deployctl;help;ssh-push'= {
        }
        &'deployctl;help;sandbox'= {
        }
        &'deployctl;help;completions'= {
        }
        &'deployctl;help;man'= {
        }
        &'deployctl;help;generate-assets'= {
        }
        &'deployctl;help;exec-guard'= {
        }
        &'deployctl;help;help'= {
        }
    ]
    $completions[$command]
}
