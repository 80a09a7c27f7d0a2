# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_deployctl_global_optspecs
    string join \n zk= zk-root= zk-auth= zk-auth-file= zk-tls zk-tls-ca= zk-tls-cert= zk-tls-key= connect-timeout= output= log-format= color= v/verbose q/quiet h/help V/version
end

function __fish_deployctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_deployctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_deployctl_using_subcommand
    set -l cmd (__fish_deployctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c deployctl -n "__fish_deployctl_needs_command" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_needs_command" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_needs_command" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_needs_command" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_needs_command" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_needs_command" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_needs_command" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_needs_command" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_needs_command" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_needs_command" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_needs_command" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_needs_command" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_needs_command" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_needs_command" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_needs_command" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_needs_command" -s V -l version -d 'Print version'
complete -c deployctl -n "__fish_deployctl_needs_command" -f -a "publish" -d 'Register a new release of an app in ZooKeeper'
complete -c deployctl -n "__fish_deployctl_needs_command" -f -a "agent" -d 'Run the host daemon that rolls releases out on this host'
complete -c deployctl -n "__fish_deployctl_needs_command" -f -a "wait-for-rollout" -d 'Block until every host runs the release, it fails, or the timeout passes'
complete -c deployctl -n "__fish_deployctl_needs_command" -f -a "status" -d 'Show every host\'s state for an app'
complete -c deployctl -n "__fish_deployctl_needs_command" -f -a "pause" -d 'Hold the rollout: running deploys finish, no new slot is granted'
complete -c deployctl -n "__fish_deployctl_needs_command" -f -a "resume" -d 'Continue a paused rollout'
complete -c deployctl -n "__fish_deployctl_needs_command" -f -a "abort" -d 'Stop the current release for good'
complete -c deployctl -n "__fish_deployctl_needs_command" -f -a "freeze" -d 'Freeze deploys of an app: no host starts one until `unfreeze` or --until'
complete -c deployctl -n "__fish_deployctl_needs_command" -f -a "unfreeze" -d 'Lift an app\'s deploy freeze'
complete -c deployctl -n "__fish_deployctl_needs_command" -f -a "promote" -d 'Pass the gate a stepped release (--steps) waits at'
complete -c deployctl -n "__fish_deployctl_needs_command" -f -a "rollback" -d 'Publish an earlier release again, marked as a rollback'
complete -c deployctl -n "__fish_deployctl_needs_command" -f -a "restart" -d 'Restart every host at the current version, through the same slots, canary and health gate'
complete -c deployctl -n "__fish_deployctl_needs_command" -f -a "history" -d 'List the releases with their outcome'
complete -c deployctl -n "__fish_deployctl_needs_command" -f -a "init" -d 'Lock the tree down with ZooKeeper ACLs: publisher, agent and world permissions'
complete -c deployctl -n "__fish_deployctl_needs_command" -f -a "apps" -d 'List, show or delete apps'
complete -c deployctl -n "__fish_deployctl_needs_command" -f -a "hosts" -d 'Every host with the apps it serves, their versions and states (or delete a dead host)'
complete -c deployctl -n "__fish_deployctl_needs_command" -f -a "ssh-push" -d 'Deploy over SSH to hosts without agents: canary first, then a bounded parallel pool'
complete -c deployctl -n "__fish_deployctl_needs_command" -f -a "serve" -d 'Serve a live web page of every rollout, a JSON API, Prometheus metrics and webhooks'
complete -c deployctl -n "__fish_deployctl_needs_command" -f -a "sandbox" -d 'Run a real local rollout: throwaway ZooKeeper, N agents, two staggered releases'
complete -c deployctl -n "__fish_deployctl_needs_command" -f -a "verify-artifact" -d 'Check a downloaded file against the SHA-256 the release pins (--artifact-sha256)'
complete -c deployctl -n "__fish_deployctl_needs_command" -f -a "completions" -d 'Print shell completions'
complete -c deployctl -n "__fish_deployctl_needs_command" -f -a "man" -d 'Print the man page (or write all pages with --out-dir)'
complete -c deployctl -n "__fish_deployctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l version-from-git -d 'Derive the version from the git repository at PATH (tag, describe, or short sha) and record its commit, ref, author and subject in the release' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l git-repo -d 'Agents deploy from this git repository: a checkout per version and a `current` symlink' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l git-ref -d 'With --git-repo: the ref to deploy, a template [default: {{ version }}]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l git-commit -d 'With --git-repo: the commit hosts check out [default: the one the ref names now, resolved in the repository at publish time]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l keep-releases -d 'With --git-repo: checkouts kept on each host [default: 5]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l slots -d 'Max hosts deploying at once [default: 1]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l deploy-cmd -d 'Deploy command (minijinja template; every value is shell-quoted)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l get-version-cmd -d 'Prints the version a host runs; a host already at VERSION does not take a slot' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l health-cmd -d 'Must succeed after the deploy for the host to count as healthy' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l pre-cmd -d 'Runs before the deploy command on each host' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l post-cmd -d 'Runs on each host after it became healthy' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l run-once-cmd -d 'Runs on exactly one host before any host deploys (e.g. a database migration)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l finalize-cmd -d 'Runs on exactly one host once every target host is done (e.g. switch the proxy, remove old bundles); its failure fails the release' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l on-failure-cmd -d 'Runs on a host after each of its failed attempts (cleanup); its result is in the status' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l restart-cmd -d 'Restarts the app at its version, for `deployctl restart` (the agent config may supply it)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l canary -d 'The first N hosts to take a slot must be healthy before any other host starts (the same as --steps N,100%)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l steps -d 'Roll out in steps: host counts, percentages of the target hosts (rounded up) and gates, e.g. `1,pause,25%,pause 10m,100%`; `pause` waits for `deployctl promote`' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l progress-deadline -d 'Halt the release (rolled back with --auto-rollback) when no host turns healthy or fails this long after the last progress; not counted while paused at a gate; its running commands are killed' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l check -d 'A metric check judged on each host while it bakes (needs --bake-time): NAME=QUERY OP THRESHOLD, e.g. `err=sum(rate(errors{host="{{ host }}"}[1m])) <= 0.05` (OP: < <= > >=; the query is a template). An empty result, NaN or an unreachable Prometheus is never a pass: the host holds (repeatable)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l step-check -d 'A fleet-wide metric check at each step boundary (needs --steps or --canary): once a step\'s hosts are healthy, one agent evaluates it and the next step starts only on its pass; a failure halts the release (repeatable; the same form as --check, `{{ host }}` renders empty)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l prometheus-url -d 'The Prometheus the checks ask (the agent config\'s prometheus_url wins)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l check-interval -d 'Time between evaluations of the checks during the bake [default: 30s]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l check-failure-limit -d 'Failing evaluations of one check that fail the host [default: 2]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l check-inconclusive-limit -d 'Inconclusive evaluations in a row after which the host reports the rollout held [default: 3]; it holds until the checks are conclusive either way' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l check-min-samples -d 'Fewer samples than this in a check\'s result is inconclusive [default: 1]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l window -d 'Hosts start deploying this release only within this window: DAYS HH:MM-HH:MM ZONE, e.g. \'Mon-Fri 09:00-16:00 Europe/Berlin\' (DAYS: Mon-Fri, Mon,Wed, *; past midnight: 22:00-02:00)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l override-freeze -d 'Publish during a deploy freeze (`deployctl freeze`) anyway, saying why: recorded in the release (history, status) — break glass' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l approvals -d 'Four-eyes: the release waits at its first manual gate (a `pause` is put first when the steps have none) until N promotes signed with --sign-key by keys other than the publisher\'s; needs --sign-key' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l max-failures -d 'Failed hosts tolerated before the release halts, as a count or N% [default: 0]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l retries -d 'Extra attempts per host after a failed deploy, with doubling backoff [default: 0]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l retry-delay -d 'First delay between attempts [default: 1s]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l health-retries -d 'Extra runs of the health command before the host counts as failed [default: 0]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l health-interval -d 'Pause between health command runs [default: 1s]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l health-timeout -d 'Timeout of one health command run [default: the command timeout]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l bake-time -d 'A host that turned healthy keeps its slot this long more, its health command re-run at --health-interval during it and at its end, before it counts as healthy' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l groups -d 'Only agents in one of these groups take part' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l hosts -d 'Only the agents on these hosts deploy this release (with --groups: both must hold)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l exclude-hosts -d 'The agents on these hosts do not deploy this release' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l slot-increment -d 'After each healthy host, grow the slot count by K (accelerating rollout)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l command-timeout -d 'Timeout for each command on a host [default: 10m]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l artifact-sha256 -d 'SHA-256 of the artifact the deploy command downloads: in the (signed) release, given to every command as DEPLOYCTL_ARTIFACT_SHA256 for `deployctl verify-artifact FILE`' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l var -d 'Template variable, available as {{ vars.NAME }} (repeatable)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l secret-var -d 'Secret template variable: like --var, but its value is masked in every output, status and log (repeatable)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l spec -d 'Read the release from a TOML or JSON file; flags override its values' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l keep-history -d 'Keep the newest N releases (with their ledgers) in the history and delete older ones; the current release, its previous one and the release a rollback would go back to are always kept [default: 100]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l sign-key -d 'Sign with this OpenSSH private key (unencrypted; ed25519): agents with `require_signatures` run only what a key in their trusted_signers file signed' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l sign-ttl -d 'How long the signature is valid; agents refuse it after that [default: 24h]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l timeout -d 'Give up after this long, with exit code 3 [default: 15m]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l expect-hosts -d 'Also wait until this many hosts take part' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l on-timeout -d 'What to do to the release when this wait\'s timeout passes: leave it rolling, pause, abort, or roll it back (the wait still exits 3)' -r -f -a "leave\t''
pause\t''
abort\t''
rollback\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l junit -d 'Write a JUnit XML report here (one testcase per host; written on every exit)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l json-file -d 'Write the JSON summary here (written on every exit)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l allow-dirty -d 'With --version-from-git: accept uncommitted changes (the version gets `-dirty`)'
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l auto-rollback -d 'When the release halts, publish the previous release again'
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l force -d 'Publish a new release even if the current one asks for the same'
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l allow-empty -d 'Publish even when --hosts, --exclude-hosts or --groups leave none of the registered agents to deploy it'
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l wait -d 'Then wait for the rollout like `wait-for-rollout` (same flags and exit codes)'
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l until-gate -d 'End with exit 0 and result `paused` as soon as the release waits at a manual gate of its steps (`publish --steps`); without it the wait shows the gate and keeps waiting'
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l events -d 'Stream NDJSON progress events on stdout'
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand publish" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand agent" -l config -d 'Agent config (TOML) [default: /etc/deployctl/agent.toml, if it exists]' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand agent" -l host -d 'Host name to register as [default: the hostname]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand agent" -l app -d 'App to serve (repeatable; added to the config\'s apps)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand agent" -l group -d 'Group this host belongs to (repeatable; added to the config\'s groups)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand agent" -l state-dir -d 'Working directory root for commands (each app gets apps/<app> below it)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand agent" -l session-timeout -d 'ZooKeeper session timeout; a dead agent\'s slot is freed after this [default: 10s]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand agent" -l metrics-listen -d 'Serve this agent\'s metrics (deploys, durations, ZooKeeper session) at http://ADDR/metrics in the Prometheus text format' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand agent" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand agent" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand agent" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand agent" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand agent" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand agent" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand agent" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand agent" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand agent" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand agent" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand agent" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand agent" -l once -d 'One pass over every app (roll out the current release if needed), then exit'
complete -c deployctl -n "__fish_deployctl_using_subcommand agent" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand agent" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand agent" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand agent" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -l version -d 'Wait for the latest release of this version [default: the latest release] (one app only)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -l release -d 'Wait for this release id (one app only)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -l timeout -d 'Give up after this long, with exit code 3 [default: 15m]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -l expect-hosts -d 'Also wait until this many hosts take part' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -l on-timeout -d 'What to do to the release when this wait\'s timeout passes: leave it rolling, pause, abort, or roll it back (the wait still exits 3)' -r -f -a "leave\t''
pause\t''
abort\t''
rollback\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -l junit -d 'Write a JUnit XML report here (one testcase per host; written on every exit)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -l json-file -d 'Write the JSON summary here (written on every exit)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -l until-gate -d 'End with exit 0 and result `paused` as soon as the release waits at a manual gate of its steps (`publish --steps`); without it the wait shows the gate and keeps waiting'
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -l events -d 'Stream NDJSON progress events on stdout'
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand wait-for-rollout" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand status" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand status" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand status" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand status" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand status" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand status" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand status" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand status" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand status" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand status" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand status" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand status" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand status" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand status" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand status" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand pause" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand pause" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand pause" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand pause" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand pause" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand pause" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand pause" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand pause" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand pause" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand pause" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand pause" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand pause" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand pause" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand pause" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand pause" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand resume" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand resume" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand resume" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand resume" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand resume" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand resume" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand resume" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand resume" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand resume" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand resume" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand resume" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand resume" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand resume" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand resume" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand resume" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand abort" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand abort" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand abort" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand abort" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand abort" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand abort" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand abort" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand abort" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand abort" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand abort" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand abort" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand abort" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand abort" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand abort" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand abort" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand freeze" -l reason -d 'Why (shown wherever the freeze holds a rollout)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand freeze" -l until -d 'When it ends by itself: a time (RFC 3339, `2026-12-24T18:00:00Z`) or a duration from now (`2h`) [default: until `unfreeze`]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand freeze" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand freeze" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand freeze" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand freeze" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand freeze" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand freeze" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand freeze" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand freeze" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand freeze" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand freeze" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand freeze" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand freeze" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand freeze" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand freeze" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand freeze" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand unfreeze" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand unfreeze" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand unfreeze" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand unfreeze" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand unfreeze" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand unfreeze" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand unfreeze" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand unfreeze" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand unfreeze" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand unfreeze" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand unfreeze" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand unfreeze" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand unfreeze" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand unfreeze" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand unfreeze" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand promote" -l release -d 'Only if this is the current release (a promote meant for an older release does nothing)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand promote" -l step -d 'Only if the release still waits at this step (1-based, as `status` shows it): a promote names the gate it passes, so it never passes the next one' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand promote" -l sign-key -d 'Sign with this OpenSSH private key (unencrypted; ed25519): agents with `require_signatures` run only what a key in their trusted_signers file signed' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand promote" -l sign-ttl -d 'How long the signature is valid; agents refuse it after that [default: 24h]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand promote" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand promote" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand promote" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand promote" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand promote" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand promote" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand promote" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand promote" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand promote" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand promote" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand promote" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand promote" -l all -d 'Pass every gate left: straight to the last step'
complete -c deployctl -n "__fish_deployctl_using_subcommand promote" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand promote" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand promote" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand promote" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l to -d 'Version to go back to [default: the newest earlier good release with another version]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l release -d 'Only roll back this release: nothing is done when another release is current, and a release rolled back already (by anyone) is not rolled back again' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l sign-key -d 'Sign with this OpenSSH private key (unencrypted; ed25519): agents with `require_signatures` run only what a key in their trusted_signers file signed' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l sign-ttl -d 'How long the signature is valid; agents refuse it after that [default: 24h]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l timeout -d 'Give up after this long, with exit code 3 [default: 15m]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l expect-hosts -d 'Also wait until this many hosts take part' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l on-timeout -d 'What to do to the release when this wait\'s timeout passes: leave it rolling, pause, abort, or roll it back (the wait still exits 3)' -r -f -a "leave\t''
pause\t''
abort\t''
rollback\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l junit -d 'Write a JUnit XML report here (one testcase per host; written on every exit)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l json-file -d 'Write the JSON summary here (written on every exit)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l wait -d 'Then wait for the rollback\'s rollout (same flags and exit codes as wait-for-rollout)'
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l until-gate -d 'End with exit 0 and result `paused` as soon as the release waits at a manual gate of its steps (`publish --steps`); without it the wait shows the gate and keeps waiting'
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l events -d 'Stream NDJSON progress events on stdout'
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand rollback" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l slots -d 'Max hosts restarting at once [default: the current release\'s slots]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l restart-cmd -d 'Restart command (template) [default: the current release\'s, else the agent config\'s]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l sign-key -d 'Sign with this OpenSSH private key (unencrypted; ed25519): agents with `require_signatures` run only what a key in their trusted_signers file signed' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l sign-ttl -d 'How long the signature is valid; agents refuse it after that [default: 24h]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l timeout -d 'Give up after this long, with exit code 3 [default: 15m]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l expect-hosts -d 'Also wait until this many hosts take part' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l on-timeout -d 'What to do to the release when this wait\'s timeout passes: leave it rolling, pause, abort, or roll it back (the wait still exits 3)' -r -f -a "leave\t''
pause\t''
abort\t''
rollback\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l junit -d 'Write a JUnit XML report here (one testcase per host; written on every exit)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l json-file -d 'Write the JSON summary here (written on every exit)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l wait -d 'Then wait for the restart (same flags and exit codes as wait-for-rollout)'
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l until-gate -d 'End with exit 0 and result `paused` as soon as the release waits at a manual gate of its steps (`publish --steps`); without it the wait shows the gate and keeps waiting'
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l events -d 'Stream NDJSON progress events on stdout'
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand restart" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand history" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand history" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand history" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand history" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand history" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand history" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand history" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand history" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand history" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand history" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand history" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand history" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand history" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand history" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand history" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand init" -l publisher -d 'Credentials CI publishes with (they own the tree)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand init" -l agent -d 'Credentials agents connect with (presence, status, slots, ledgers only)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand init" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand init" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand init" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand init" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand init" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand init" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand init" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand init" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand init" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand init" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand init" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand init" -l world-read -d 'Let anyone read (never write) the tree'
complete -c deployctl -n "__fish_deployctl_using_subcommand init" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand init" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand init" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand init" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and not __fish_seen_subcommand_from list show delete help" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and not __fish_seen_subcommand_from list show delete help" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and not __fish_seen_subcommand_from list show delete help" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and not __fish_seen_subcommand_from list show delete help" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and not __fish_seen_subcommand_from list show delete help" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and not __fish_seen_subcommand_from list show delete help" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and not __fish_seen_subcommand_from list show delete help" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and not __fish_seen_subcommand_from list show delete help" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and not __fish_seen_subcommand_from list show delete help" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and not __fish_seen_subcommand_from list show delete help" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and not __fish_seen_subcommand_from list show delete help" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and not __fish_seen_subcommand_from list show delete help" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and not __fish_seen_subcommand_from list show delete help" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and not __fish_seen_subcommand_from list show delete help" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and not __fish_seen_subcommand_from list show delete help" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and not __fish_seen_subcommand_from list show delete help" -f -a "list" -d 'List apps with their current release (the default)'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and not __fish_seen_subcommand_from list show delete help" -f -a "show" -d 'Show an app\'s current release spec'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and not __fish_seen_subcommand_from list show delete help" -f -a "delete" -d 'Delete an app and its history, status and slots'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and not __fish_seen_subcommand_from list show delete help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from list" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from list" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from list" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from list" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from list" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from list" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from list" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from list" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from list" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from list" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from list" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from list" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from show" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from show" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from show" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from show" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from show" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from show" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from show" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from show" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from show" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from show" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from show" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from show" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from delete" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from delete" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from delete" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from delete" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from delete" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from delete" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from delete" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from delete" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from delete" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from delete" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from delete" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from delete" -l force -d 'Delete even while agents are registered for it'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from delete" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from help" -f -a "list" -d 'List apps with their current release (the default)'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show an app\'s current release spec'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete an app and its history, status and slots'
complete -c deployctl -n "__fish_deployctl_using_subcommand apps; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and not __fish_seen_subcommand_from delete help" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and not __fish_seen_subcommand_from delete help" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and not __fish_seen_subcommand_from delete help" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and not __fish_seen_subcommand_from delete help" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and not __fish_seen_subcommand_from delete help" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and not __fish_seen_subcommand_from delete help" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and not __fish_seen_subcommand_from delete help" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and not __fish_seen_subcommand_from delete help" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and not __fish_seen_subcommand_from delete help" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and not __fish_seen_subcommand_from delete help" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and not __fish_seen_subcommand_from delete help" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and not __fish_seen_subcommand_from delete help" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and not __fish_seen_subcommand_from delete help" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and not __fish_seen_subcommand_from delete help" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and not __fish_seen_subcommand_from delete help" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and not __fish_seen_subcommand_from delete help" -a "delete" -d 'Remove a dead host\'s status from every app'
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and not __fish_seen_subcommand_from delete help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and __fish_seen_subcommand_from delete" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and __fish_seen_subcommand_from delete" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and __fish_seen_subcommand_from delete" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and __fish_seen_subcommand_from delete" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and __fish_seen_subcommand_from delete" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and __fish_seen_subcommand_from delete" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and __fish_seen_subcommand_from delete" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and __fish_seen_subcommand_from delete" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and __fish_seen_subcommand_from delete" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and __fish_seen_subcommand_from delete" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and __fish_seen_subcommand_from delete" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and __fish_seen_subcommand_from delete" -l force -d 'Delete even while the host\'s agent is registered for an app'
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and __fish_seen_subcommand_from delete" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Remove a dead host\'s status from every app'
complete -c deployctl -n "__fish_deployctl_using_subcommand hosts; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l hosts -d 'Hosts, [user@]host[:port], comma-separated' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l inventory -d 'Inventory file: one [user@]host[:port] per line, `#` comments, `[group]` sections' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l group -d 'Only the hosts of this inventory section' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l cmd -d 'The command to run on each host (a template; values are shell-quoted)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l plan -d 'A TOML plan of stages (see docs/ssh-push.md)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l version -d 'The version being deployed ({{ version }} in commands)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l app -d 'Take this app\'s ZooKeeper slots and report status like its agents (needs a published release; its version is used when --version is not given)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l var -d 'Template variable, {{ vars.NAME }} (repeatable)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l secret-var -d 'Secret template variable: masked in every output (repeatable)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l parallel -d 'Hosts running at once after the canaries' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l canary -d 'The first N hosts run first; a failure there stops everything' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l retries -d 'Extra attempts per command, with doubling backoff' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l retry-delay -d 'First delay between attempts' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l timeout -d 'Timeout of each command' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l max-failures -d 'Failed hosts tolerated, as a count or N% of the hosts: one more stops the push; within it the push goes on and succeeds (as a rollout does) [default: 0]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l get-version-cmd -d 'Prints the version a host runs; a host already at --version runs nothing (`current`)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l rerun-failed -d 'Push only to the hosts that failed in an earlier run\'s JSON report (its --json-file, or its JSON stdout); with --hosts/--inventory, only those of them' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l limit -d 'Only the hosts whose name matches one of these globs (`*`, `?`, `[a-z]`), comma-separated' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l ssh-option -d 'Extra ssh_config option, e.g. --ssh-option ProxyJump=bastion (repeatable)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l identity -d 'Private key to use (only this key is offered)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l user -d 'Remote user when a host does not name one' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l ssh-timeout -d 'SSH connect timeout' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l junit -d 'Write a JUnit XML report here (one testcase per host; written on every exit)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l json-file -d 'Write the JSON summary here (written on every exit)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l continue-on-error -d 'Keep going on the other hosts after a (non-canary) failure'
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l insecure-ignore-host-keys -d 'Do not check host keys (host key checking is on by default)'
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l local -d 'Run on this machine without SSH (hosts must be `localhost`)'
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l events -d 'Stream NDJSON progress events on stdout'
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand ssh-push" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand serve" -l listen -d 'Address to listen on (port 0: any free port; the URL is printed)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand serve" -l token-file -d 'File holding the token that guards the controls (API: `Authorization: Bearer`; page: log in). Without it the controls are off' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand serve" -l webhook -d 'POST an event to this http:// or https:// URL when a release is published, reaches its gate, halts, is rolled back, succeeds or fails (repeatable)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand serve" -l webhook-format -d 'Body of the webhook requests: the event as JSON, or `{"text": ...}` for Slack-compatible incoming webhooks' -r -f -a "json\t''
slack\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand serve" -l webhook-ca -d 'PEM file of CA certificates trusted for https:// webhooks, besides the system\'s' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand serve" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand serve" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand serve" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand serve" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand serve" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand serve" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand serve" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand serve" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand serve" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand serve" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand serve" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand serve" -l read-only -d 'Turn the controls off (pause, resume, abort, rollback, publish), even with a token'
complete -c deployctl -n "__fish_deployctl_using_subcommand serve" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand serve" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand serve" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand serve" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand sandbox" -l hosts -d 'Number of agents (hosts)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand sandbox" -l slots -d 'Hosts deploying at once' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand sandbox" -l fail-host -d 'Make this host\'s deploy fail (e.g. host-2), to see a failed rollout' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand sandbox" -l results -d 'Where the JUnit and JSON reports are written' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand sandbox" -l listen -d 'Address of the web page (`deployctl serve`) the sandbox starts (port 0: a free port)' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand sandbox" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand sandbox" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand sandbox" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand sandbox" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand sandbox" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand sandbox" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand sandbox" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand sandbox" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand sandbox" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand sandbox" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand sandbox" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand sandbox" -l fail-check -d 'Make the second release fail 30% of the demo traffic, to see its metric check fail the canary and halt the release'
complete -c deployctl -n "__fish_deployctl_using_subcommand sandbox" -l stay -d 'After the releases, keep ZooKeeper, the agents and the page running until Ctrl-C or SIGTERM (to look around: the page, `status`, `history`)'
complete -c deployctl -n "__fish_deployctl_using_subcommand sandbox" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand sandbox" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand sandbox" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand sandbox" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand verify-artifact" -l sha256 -d 'The SHA-256 it must have (64 hex digits) [default: $DEPLOYCTL_ARTIFACT_SHA256, set by the agent for a release published with --artifact-sha256]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand verify-artifact" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand verify-artifact" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand verify-artifact" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand verify-artifact" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand verify-artifact" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand verify-artifact" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand verify-artifact" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand verify-artifact" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand verify-artifact" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand verify-artifact" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand verify-artifact" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand verify-artifact" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand verify-artifact" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand verify-artifact" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand verify-artifact" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand completions" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand completions" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand completions" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand completions" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand completions" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand completions" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand completions" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand completions" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand completions" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand completions" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand completions" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand completions" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand completions" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand completions" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand completions" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand man" -l out-dir -d 'Write every page (deployctl.1, deployctl-publish.1, ...) into this directory instead of printing the main page' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand man" -l zk -d 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand man" -l zk-root -d 'Root znode under which deployctl keeps its data [default: /deployctl]' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand man" -l zk-auth -d 'ZooKeeper digest credentials USER:PASSWORD' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand man" -l zk-auth-file -d 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand man" -l zk-tls-ca -d 'PEM file of the CA that signed the ZooKeeper servers\' certificates' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand man" -l zk-tls-cert -d 'PEM client certificate, for servers that authenticate clients' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand man" -l zk-tls-key -d 'PEM private key of the client certificate' -r -F
complete -c deployctl -n "__fish_deployctl_using_subcommand man" -l connect-timeout -d 'How long to try reaching ZooKeeper before giving up with exit code 4' -r
complete -c deployctl -n "__fish_deployctl_using_subcommand man" -l output -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand man" -l log-format -d 'Log format on stderr (json for log shippers)' -r -f -a "text\t''
json\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand man" -l color -d 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set' -r -f -a "never\t''
auto\t''
always\t''"
complete -c deployctl -n "__fish_deployctl_using_subcommand man" -l zk-tls -d 'Connect to ZooKeeper over TLS (its secure client port)'
complete -c deployctl -n "__fish_deployctl_using_subcommand man" -s v -l verbose -d 'More log output (repeat for more)'
complete -c deployctl -n "__fish_deployctl_using_subcommand man" -s q -l quiet -d 'Less output'
complete -c deployctl -n "__fish_deployctl_using_subcommand man" -s h -l help -d 'Print help'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and not __fish_seen_subcommand_from publish agent wait-for-rollout status pause resume abort freeze unfreeze promote rollback restart history init apps hosts ssh-push serve sandbox verify-artifact completions man help" -f -a "publish" -d 'Register a new release of an app in ZooKeeper'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and not __fish_seen_subcommand_from publish agent wait-for-rollout status pause resume abort freeze unfreeze promote rollback restart history init apps hosts ssh-push serve sandbox verify-artifact completions man help" -f -a "agent" -d 'Run the host daemon that rolls releases out on this host'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and not __fish_seen_subcommand_from publish agent wait-for-rollout status pause resume abort freeze unfreeze promote rollback restart history init apps hosts ssh-push serve sandbox verify-artifact completions man help" -f -a "wait-for-rollout" -d 'Block until every host runs the release, it fails, or the timeout passes'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and not __fish_seen_subcommand_from publish agent wait-for-rollout status pause resume abort freeze unfreeze promote rollback restart history init apps hosts ssh-push serve sandbox verify-artifact completions man help" -f -a "status" -d 'Show every host\'s state for an app'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and not __fish_seen_subcommand_from publish agent wait-for-rollout status pause resume abort freeze unfreeze promote rollback restart history init apps hosts ssh-push serve sandbox verify-artifact completions man help" -f -a "pause" -d 'Hold the rollout: running deploys finish, no new slot is granted'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and not __fish_seen_subcommand_from publish agent wait-for-rollout status pause resume abort freeze unfreeze promote rollback restart history init apps hosts ssh-push serve sandbox verify-artifact completions man help" -f -a "resume" -d 'Continue a paused rollout'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and not __fish_seen_subcommand_from publish agent wait-for-rollout status pause resume abort freeze unfreeze promote rollback restart history init apps hosts ssh-push serve sandbox verify-artifact completions man help" -f -a "abort" -d 'Stop the current release for good'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and not __fish_seen_subcommand_from publish agent wait-for-rollout status pause resume abort freeze unfreeze promote rollback restart history init apps hosts ssh-push serve sandbox verify-artifact completions man help" -f -a "freeze" -d 'Freeze deploys of an app: no host starts one until `unfreeze` or --until'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and not __fish_seen_subcommand_from publish agent wait-for-rollout status pause resume abort freeze unfreeze promote rollback restart history init apps hosts ssh-push serve sandbox verify-artifact completions man help" -f -a "unfreeze" -d 'Lift an app\'s deploy freeze'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and not __fish_seen_subcommand_from publish agent wait-for-rollout status pause resume abort freeze unfreeze promote rollback restart history init apps hosts ssh-push serve sandbox verify-artifact completions man help" -f -a "promote" -d 'Pass the gate a stepped release (--steps) waits at'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and not __fish_seen_subcommand_from publish agent wait-for-rollout status pause resume abort freeze unfreeze promote rollback restart history init apps hosts ssh-push serve sandbox verify-artifact completions man help" -f -a "rollback" -d 'Publish an earlier release again, marked as a rollback'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and not __fish_seen_subcommand_from publish agent wait-for-rollout status pause resume abort freeze unfreeze promote rollback restart history init apps hosts ssh-push serve sandbox verify-artifact completions man help" -f -a "restart" -d 'Restart every host at the current version, through the same slots, canary and health gate'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and not __fish_seen_subcommand_from publish agent wait-for-rollout status pause resume abort freeze unfreeze promote rollback restart history init apps hosts ssh-push serve sandbox verify-artifact completions man help" -f -a "history" -d 'List the releases with their outcome'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and not __fish_seen_subcommand_from publish agent wait-for-rollout status pause resume abort freeze unfreeze promote rollback restart history init apps hosts ssh-push serve sandbox verify-artifact completions man help" -f -a "init" -d 'Lock the tree down with ZooKeeper ACLs: publisher, agent and world permissions'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and not __fish_seen_subcommand_from publish agent wait-for-rollout status pause resume abort freeze unfreeze promote rollback restart history init apps hosts ssh-push serve sandbox verify-artifact completions man help" -f -a "apps" -d 'List, show or delete apps'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and not __fish_seen_subcommand_from publish agent wait-for-rollout status pause resume abort freeze unfreeze promote rollback restart history init apps hosts ssh-push serve sandbox verify-artifact completions man help" -f -a "hosts" -d 'Every host with the apps it serves, their versions and states (or delete a dead host)'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and not __fish_seen_subcommand_from publish agent wait-for-rollout status pause resume abort freeze unfreeze promote rollback restart history init apps hosts ssh-push serve sandbox verify-artifact completions man help" -f -a "ssh-push" -d 'Deploy over SSH to hosts without agents: canary first, then a bounded parallel pool'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and not __fish_seen_subcommand_from publish agent wait-for-rollout status pause resume abort freeze unfreeze promote rollback restart history init apps hosts ssh-push serve sandbox verify-artifact completions man help" -f -a "serve" -d 'Serve a live web page of every rollout, a JSON API, Prometheus metrics and webhooks'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and not __fish_seen_subcommand_from publish agent wait-for-rollout status pause resume abort freeze unfreeze promote rollback restart history init apps hosts ssh-push serve sandbox verify-artifact completions man help" -f -a "sandbox" -d 'Run a real local rollout: throwaway ZooKeeper, N agents, two staggered releases'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and not __fish_seen_subcommand_from publish agent wait-for-rollout status pause resume abort freeze unfreeze promote rollback restart history init apps hosts ssh-push serve sandbox verify-artifact completions man help" -f -a "verify-artifact" -d 'Check a downloaded file against the SHA-256 the release pins (--artifact-sha256)'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and not __fish_seen_subcommand_from publish agent wait-for-rollout status pause resume abort freeze unfreeze promote rollback restart history init apps hosts ssh-push serve sandbox verify-artifact completions man help" -f -a "completions" -d 'Print shell completions'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and not __fish_seen_subcommand_from publish agent wait-for-rollout status pause resume abort freeze unfreeze promote rollback restart history init apps hosts ssh-push serve sandbox verify-artifact completions man help" -f -a "man" -d 'Print the man page (or write all pages with --out-dir)'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and not __fish_seen_subcommand_from publish agent wait-for-rollout status pause resume abort freeze unfreeze promote rollback restart history init apps hosts ssh-push serve sandbox verify-artifact completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and __fish_seen_subcommand_from apps" -f -a "list" -d 'List apps with their current release (the default)'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and __fish_seen_subcommand_from apps" -f -a "show" -d 'Show an app\'s current release spec'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and __fish_seen_subcommand_from apps" -f -a "delete" -d 'Delete an app and its history, status and slots'
complete -c deployctl -n "__fish_deployctl_using_subcommand help; and __fish_seen_subcommand_from hosts" -f -a "delete" -d 'Remove a dead host\'s status from every app'
