
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'deployctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'deployctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'deployctl' {
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'Register a new release of an app in ZooKeeper')
            [CompletionResult]::new('agent', 'agent', [CompletionResultType]::ParameterValue, 'Run the host daemon that rolls releases out on this host')
            [CompletionResult]::new('wait-for-rollout', 'wait-for-rollout', [CompletionResultType]::ParameterValue, 'Block until every host runs the release, it fails, or the timeout passes')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show every host''s state for an app')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Hold the rollout: running deploys finish, no new slot is granted')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Continue a paused rollout')
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Stop the current release for good')
            [CompletionResult]::new('freeze', 'freeze', [CompletionResultType]::ParameterValue, 'Freeze deploys of an app: no host starts one until `unfreeze` or --until')
            [CompletionResult]::new('unfreeze', 'unfreeze', [CompletionResultType]::ParameterValue, 'Lift an app''s deploy freeze')
            [CompletionResult]::new('promote', 'promote', [CompletionResultType]::ParameterValue, 'Pass the gate a stepped release (--steps) waits at')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Publish an earlier release again, marked as a rollback')
            [CompletionResult]::new('restart', 'restart', [CompletionResultType]::ParameterValue, 'Restart every host at the current version, through the same slots, canary and health gate')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'List the releases with their outcome')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Lock the tree down with ZooKeeper ACLs: publisher, agent and world permissions')
            [CompletionResult]::new('apps', 'apps', [CompletionResultType]::ParameterValue, 'List, show or delete apps')
            [CompletionResult]::new('hosts', 'hosts', [CompletionResultType]::ParameterValue, 'Every host with the apps it serves, their versions and states (or delete a dead host)')
            [CompletionResult]::new('ssh-push', 'ssh-push', [CompletionResultType]::ParameterValue, 'Deploy over SSH to hosts without agents: canary first, then a bounded parallel pool')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve a live web page of every rollout, a JSON API, Prometheus metrics and webhooks')
            [CompletionResult]::new('sandbox', 'sandbox', [CompletionResultType]::ParameterValue, 'Run a real local rollout: throwaway ZooKeeper, N agents, two staggered releases')
            [CompletionResult]::new('verify-artifact', 'verify-artifact', [CompletionResultType]::ParameterValue, 'Check a downloaded file against the SHA-256 the release pins (--artifact-sha256)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (or write all pages with --out-dir)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'deployctl;publish' {
            [CompletionResult]::new('--version-from-git', '--version-from-git', [CompletionResultType]::ParameterName, 'Derive the version from the git repository at PATH (tag, describe, or short sha) and record its commit, ref, author and subject in the release')
            [CompletionResult]::new('--git-repo', '--git-repo', [CompletionResultType]::ParameterName, 'Agents deploy from this git repository: a checkout per version and a `current` symlink')
            [CompletionResult]::new('--git-ref', '--git-ref', [CompletionResultType]::ParameterName, 'With --git-repo: the ref to deploy, a template [default: {{ version }}]')
            [CompletionResult]::new('--git-commit', '--git-commit', [CompletionResultType]::ParameterName, 'With --git-repo: the commit hosts check out [default: the one the ref names now, resolved in the repository at publish time]')
            [CompletionResult]::new('--keep-releases', '--keep-releases', [CompletionResultType]::ParameterName, 'With --git-repo: checkouts kept on each host [default: 5]')
            [CompletionResult]::new('--slots', '--slots', [CompletionResultType]::ParameterName, 'Max hosts deploying at once [default: 1]')
            [CompletionResult]::new('--deploy-cmd', '--deploy-cmd', [CompletionResultType]::ParameterName, 'Deploy command (minijinja template; every value is shell-quoted)')
            [CompletionResult]::new('--get-version-cmd', '--get-version-cmd', [CompletionResultType]::ParameterName, 'Prints the version a host runs; a host already at VERSION does not take a slot')
            [CompletionResult]::new('--health-cmd', '--health-cmd', [CompletionResultType]::ParameterName, 'Must succeed after the deploy for the host to count as healthy')
            [CompletionResult]::new('--pre-cmd', '--pre-cmd', [CompletionResultType]::ParameterName, 'Runs before the deploy command on each host')
            [CompletionResult]::new('--post-cmd', '--post-cmd', [CompletionResultType]::ParameterName, 'Runs on each host after it became healthy')
            [CompletionResult]::new('--run-once-cmd', '--run-once-cmd', [CompletionResultType]::ParameterName, 'Runs on exactly one host before any host deploys (e.g. a database migration)')
            [CompletionResult]::new('--finalize-cmd', '--finalize-cmd', [CompletionResultType]::ParameterName, 'Runs on exactly one host once every target host is done (e.g. switch the proxy, remove old bundles); its failure fails the release')
            [CompletionResult]::new('--on-failure-cmd', '--on-failure-cmd', [CompletionResultType]::ParameterName, 'Runs on a host after each of its failed attempts (cleanup); its result is in the status')
            [CompletionResult]::new('--restart-cmd', '--restart-cmd', [CompletionResultType]::ParameterName, 'Restarts the app at its version, for `deployctl restart` (the agent config may supply it)')
            [CompletionResult]::new('--canary', '--canary', [CompletionResultType]::ParameterName, 'The first N hosts to take a slot must be healthy before any other host starts (the same as --steps N,100%)')
            [CompletionResult]::new('--steps', '--steps', [CompletionResultType]::ParameterName, 'Roll out in steps: host counts, percentages of the target hosts (rounded up) and gates, e.g. `1,pause,25%,pause 10m,100%`; `pause` waits for `deployctl promote`')
            [CompletionResult]::new('--progress-deadline', '--progress-deadline', [CompletionResultType]::ParameterName, 'Halt the release (rolled back with --auto-rollback) when no host turns healthy or fails this long after the last progress; not counted while paused at a gate; its running commands are killed')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'A metric check judged on each host while it bakes (needs --bake-time): NAME=QUERY OP THRESHOLD, e.g. `err=sum(rate(errors{host="{{ host }}"}[1m])) <= 0.05` (OP: < <= > >=; the query is a template). An empty result, NaN or an unreachable Prometheus is never a pass: the host holds (repeatable)')
            [CompletionResult]::new('--step-check', '--step-check', [CompletionResultType]::ParameterName, 'A fleet-wide metric check at each step boundary (needs --steps or --canary): once a step''s hosts are healthy, one agent evaluates it and the next step starts only on its pass; a failure halts the release (repeatable; the same form as --check, `{{ host }}` renders empty)')
            [CompletionResult]::new('--prometheus-url', '--prometheus-url', [CompletionResultType]::ParameterName, 'The Prometheus the checks ask (the agent config''s prometheus_url wins)')
            [CompletionResult]::new('--check-interval', '--check-interval', [CompletionResultType]::ParameterName, 'Time between evaluations of the checks during the bake [default: 30s]')
            [CompletionResult]::new('--check-failure-limit', '--check-failure-limit', [CompletionResultType]::ParameterName, 'Failing evaluations of one check that fail the host [default: 2]')
            [CompletionResult]::new('--check-inconclusive-limit', '--check-inconclusive-limit', [CompletionResultType]::ParameterName, 'Inconclusive evaluations in a row after which the host reports the rollout held [default: 3]; it holds until the checks are conclusive either way')
            [CompletionResult]::new('--check-min-samples', '--check-min-samples', [CompletionResultType]::ParameterName, 'Fewer samples than this in a check''s result is inconclusive [default: 1]')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'Hosts start deploying this release only within this window: DAYS HH:MM-HH:MM ZONE, e.g. ''Mon-Fri 09:00-16:00 Europe/Berlin'' (DAYS: Mon-Fri, Mon,Wed, *; past midnight: 22:00-02:00)')
            [CompletionResult]::new('--override-freeze', '--override-freeze', [CompletionResultType]::ParameterName, 'Publish during a deploy freeze (`deployctl freeze`) anyway, saying why: recorded in the release (history, status) — break glass')
            [CompletionResult]::new('--approvals', '--approvals', [CompletionResultType]::ParameterName, 'Four-eyes: the release waits at its first manual gate (a `pause` is put first when the steps have none) until N promotes signed with --sign-key by keys other than the publisher''s; needs --sign-key')
            [CompletionResult]::new('--max-failures', '--max-failures', [CompletionResultType]::ParameterName, 'Failed hosts tolerated before the release halts, as a count or N% [default: 0]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Extra attempts per host after a failed deploy, with doubling backoff [default: 0]')
            [CompletionResult]::new('--retry-delay', '--retry-delay', [CompletionResultType]::ParameterName, 'First delay between attempts [default: 1s]')
            [CompletionResult]::new('--health-retries', '--health-retries', [CompletionResultType]::ParameterName, 'Extra runs of the health command before the host counts as failed [default: 0]')
            [CompletionResult]::new('--health-interval', '--health-interval', [CompletionResultType]::ParameterName, 'Pause between health command runs [default: 1s]')
            [CompletionResult]::new('--health-timeout', '--health-timeout', [CompletionResultType]::ParameterName, 'Timeout of one health command run [default: the command timeout]')
            [CompletionResult]::new('--bake-time', '--bake-time', [CompletionResultType]::ParameterName, 'A host that turned healthy keeps its slot this long more, its health command re-run at --health-interval during it and at its end, before it counts as healthy')
            [CompletionResult]::new('--groups', '--groups', [CompletionResultType]::ParameterName, 'Only agents in one of these groups take part')
            [CompletionResult]::new('--hosts', '--hosts', [CompletionResultType]::ParameterName, 'Only the agents on these hosts deploy this release (with --groups: both must hold)')
            [CompletionResult]::new('--exclude-hosts', '--exclude-hosts', [CompletionResultType]::ParameterName, 'The agents on these hosts do not deploy this release')
            [CompletionResult]::new('--slot-increment', '--slot-increment', [CompletionResultType]::ParameterName, 'After each healthy host, grow the slot count by K (accelerating rollout)')
            [CompletionResult]::new('--command-timeout', '--command-timeout', [CompletionResultType]::ParameterName, 'Timeout for each command on a host [default: 10m]')
            [CompletionResult]::new('--artifact-sha256', '--artifact-sha256', [CompletionResultType]::ParameterName, 'SHA-256 of the artifact the deploy command downloads: in the (signed) release, given to every command as DEPLOYCTL_ARTIFACT_SHA256 for `deployctl verify-artifact FILE`')
            [CompletionResult]::new('--var', '--var', [CompletionResultType]::ParameterName, 'Template variable, available as {{ vars.NAME }} (repeatable)')
            [CompletionResult]::new('--secret-var', '--secret-var', [CompletionResultType]::ParameterName, 'Secret template variable: like --var, but its value is masked in every output, status and log (repeatable)')
            [CompletionResult]::new('--spec', '--spec', [CompletionResultType]::ParameterName, 'Read the release from a TOML or JSON file; flags override its values')
            [CompletionResult]::new('--keep-history', '--keep-history', [CompletionResultType]::ParameterName, 'Keep the newest N releases (with their ledgers) in the history and delete older ones; the current release, its previous one and the release a rollback would go back to are always kept [default: 100]')
            [CompletionResult]::new('--sign-key', '--sign-key', [CompletionResultType]::ParameterName, 'Sign with this OpenSSH private key (unencrypted; ed25519): agents with `require_signatures` run only what a key in their trusted_signers file signed')
            [CompletionResult]::new('--sign-ttl', '--sign-ttl', [CompletionResultType]::ParameterName, 'How long the signature is valid; agents refuse it after that [default: 24h]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up after this long, with exit code 3 [default: 15m]')
            [CompletionResult]::new('--expect-hosts', '--expect-hosts', [CompletionResultType]::ParameterName, 'Also wait until this many hosts take part')
            [CompletionResult]::new('--on-timeout', '--on-timeout', [CompletionResultType]::ParameterName, 'What to do to the release when this wait''s timeout passes: leave it rolling, pause, abort, or roll it back (the wait still exits 3)')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Write a JUnit XML report here (one testcase per host; written on every exit)')
            [CompletionResult]::new('--json-file', '--json-file', [CompletionResultType]::ParameterName, 'Write the JSON summary here (written on every exit)')
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--allow-dirty', '--allow-dirty', [CompletionResultType]::ParameterName, 'With --version-from-git: accept uncommitted changes (the version gets `-dirty`)')
            [CompletionResult]::new('--auto-rollback', '--auto-rollback', [CompletionResultType]::ParameterName, 'When the release halts, publish the previous release again')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Publish a new release even if the current one asks for the same')
            [CompletionResult]::new('--allow-empty', '--allow-empty', [CompletionResultType]::ParameterName, 'Publish even when --hosts, --exclude-hosts or --groups leave none of the registered agents to deploy it')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Then wait for the rollout like `wait-for-rollout` (same flags and exit codes)')
            [CompletionResult]::new('--until-gate', '--until-gate', [CompletionResultType]::ParameterName, 'End with exit 0 and result `paused` as soon as the release waits at a manual gate of its steps (`publish --steps`); without it the wait shows the gate and keeps waiting')
            [CompletionResult]::new('--events', '--events', [CompletionResultType]::ParameterName, 'Stream NDJSON progress events on stdout')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;agent' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Agent config (TOML) [default: /etc/deployctl/agent.toml, if it exists]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Host name to register as [default: the hostname]')
            [CompletionResult]::new('--app', '--app', [CompletionResultType]::ParameterName, 'App to serve (repeatable; added to the config''s apps)')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Group this host belongs to (repeatable; added to the config''s groups)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Working directory root for commands (each app gets apps/<app> below it)')
            [CompletionResult]::new('--session-timeout', '--session-timeout', [CompletionResultType]::ParameterName, 'ZooKeeper session timeout; a dead agent''s slot is freed after this [default: 10s]')
            [CompletionResult]::new('--metrics-listen', '--metrics-listen', [CompletionResultType]::ParameterName, 'Serve this agent''s metrics (deploys, durations, ZooKeeper session) at http://ADDR/metrics in the Prometheus text format')
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--once', '--once', [CompletionResultType]::ParameterName, 'One pass over every app (roll out the current release if needed), then exit')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;wait-for-rollout' {
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Wait for the latest release of this version [default: the latest release] (one app only)')
            [CompletionResult]::new('--release', '--release', [CompletionResultType]::ParameterName, 'Wait for this release id (one app only)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up after this long, with exit code 3 [default: 15m]')
            [CompletionResult]::new('--expect-hosts', '--expect-hosts', [CompletionResultType]::ParameterName, 'Also wait until this many hosts take part')
            [CompletionResult]::new('--on-timeout', '--on-timeout', [CompletionResultType]::ParameterName, 'What to do to the release when this wait''s timeout passes: leave it rolling, pause, abort, or roll it back (the wait still exits 3)')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Write a JUnit XML report here (one testcase per host; written on every exit)')
            [CompletionResult]::new('--json-file', '--json-file', [CompletionResultType]::ParameterName, 'Write the JSON summary here (written on every exit)')
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--until-gate', '--until-gate', [CompletionResultType]::ParameterName, 'End with exit 0 and result `paused` as soon as the release waits at a manual gate of its steps (`publish --steps`); without it the wait shows the gate and keeps waiting')
            [CompletionResult]::new('--events', '--events', [CompletionResultType]::ParameterName, 'Stream NDJSON progress events on stdout')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;status' {
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;pause' {
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;resume' {
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;abort' {
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;freeze' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (shown wherever the freeze holds a rollout)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'When it ends by itself: a time (RFC 3339, `2026-12-24T18:00:00Z`) or a duration from now (`2h`) [default: until `unfreeze`]')
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;unfreeze' {
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;promote' {
            [CompletionResult]::new('--release', '--release', [CompletionResultType]::ParameterName, 'Only if this is the current release (a promote meant for an older release does nothing)')
            [CompletionResult]::new('--step', '--step', [CompletionResultType]::ParameterName, 'Only if the release still waits at this step (1-based, as `status` shows it): a promote names the gate it passes, so it never passes the next one')
            [CompletionResult]::new('--sign-key', '--sign-key', [CompletionResultType]::ParameterName, 'Sign with this OpenSSH private key (unencrypted; ed25519): agents with `require_signatures` run only what a key in their trusted_signers file signed')
            [CompletionResult]::new('--sign-ttl', '--sign-ttl', [CompletionResultType]::ParameterName, 'How long the signature is valid; agents refuse it after that [default: 24h]')
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Pass every gate left: straight to the last step')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;rollback' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Version to go back to [default: the newest earlier good release with another version]')
            [CompletionResult]::new('--release', '--release', [CompletionResultType]::ParameterName, 'Only roll back this release: nothing is done when another release is current, and a release rolled back already (by anyone) is not rolled back again')
            [CompletionResult]::new('--sign-key', '--sign-key', [CompletionResultType]::ParameterName, 'Sign with this OpenSSH private key (unencrypted; ed25519): agents with `require_signatures` run only what a key in their trusted_signers file signed')
            [CompletionResult]::new('--sign-ttl', '--sign-ttl', [CompletionResultType]::ParameterName, 'How long the signature is valid; agents refuse it after that [default: 24h]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up after this long, with exit code 3 [default: 15m]')
            [CompletionResult]::new('--expect-hosts', '--expect-hosts', [CompletionResultType]::ParameterName, 'Also wait until this many hosts take part')
            [CompletionResult]::new('--on-timeout', '--on-timeout', [CompletionResultType]::ParameterName, 'What to do to the release when this wait''s timeout passes: leave it rolling, pause, abort, or roll it back (the wait still exits 3)')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Write a JUnit XML report here (one testcase per host; written on every exit)')
            [CompletionResult]::new('--json-file', '--json-file', [CompletionResultType]::ParameterName, 'Write the JSON summary here (written on every exit)')
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Then wait for the rollback''s rollout (same flags and exit codes as wait-for-rollout)')
            [CompletionResult]::new('--until-gate', '--until-gate', [CompletionResultType]::ParameterName, 'End with exit 0 and result `paused` as soon as the release waits at a manual gate of its steps (`publish --steps`); without it the wait shows the gate and keeps waiting')
            [CompletionResult]::new('--events', '--events', [CompletionResultType]::ParameterName, 'Stream NDJSON progress events on stdout')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;restart' {
            [CompletionResult]::new('--slots', '--slots', [CompletionResultType]::ParameterName, 'Max hosts restarting at once [default: the current release''s slots]')
            [CompletionResult]::new('--restart-cmd', '--restart-cmd', [CompletionResultType]::ParameterName, 'Restart command (template) [default: the current release''s, else the agent config''s]')
            [CompletionResult]::new('--sign-key', '--sign-key', [CompletionResultType]::ParameterName, 'Sign with this OpenSSH private key (unencrypted; ed25519): agents with `require_signatures` run only what a key in their trusted_signers file signed')
            [CompletionResult]::new('--sign-ttl', '--sign-ttl', [CompletionResultType]::ParameterName, 'How long the signature is valid; agents refuse it after that [default: 24h]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up after this long, with exit code 3 [default: 15m]')
            [CompletionResult]::new('--expect-hosts', '--expect-hosts', [CompletionResultType]::ParameterName, 'Also wait until this many hosts take part')
            [CompletionResult]::new('--on-timeout', '--on-timeout', [CompletionResultType]::ParameterName, 'What to do to the release when this wait''s timeout passes: leave it rolling, pause, abort, or roll it back (the wait still exits 3)')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Write a JUnit XML report here (one testcase per host; written on every exit)')
            [CompletionResult]::new('--json-file', '--json-file', [CompletionResultType]::ParameterName, 'Write the JSON summary here (written on every exit)')
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Then wait for the restart (same flags and exit codes as wait-for-rollout)')
            [CompletionResult]::new('--until-gate', '--until-gate', [CompletionResultType]::ParameterName, 'End with exit 0 and result `paused` as soon as the release waits at a manual gate of its steps (`publish --steps`); without it the wait shows the gate and keeps waiting')
            [CompletionResult]::new('--events', '--events', [CompletionResultType]::ParameterName, 'Stream NDJSON progress events on stdout')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;history' {
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;init' {
            [CompletionResult]::new('--publisher', '--publisher', [CompletionResultType]::ParameterName, 'Credentials CI publishes with (they own the tree)')
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Credentials agents connect with (presence, status, slots, ledgers only)')
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--world-read', '--world-read', [CompletionResultType]::ParameterName, 'Let anyone read (never write) the tree')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;apps' {
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List apps with their current release (the default)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show an app''s current release spec')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete an app and its history, status and slots')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'deployctl;apps;list' {
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;apps;show' {
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;apps;delete' {
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Delete even while agents are registered for it')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;apps;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List apps with their current release (the default)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show an app''s current release spec')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete an app and its history, status and slots')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'deployctl;apps;help;list' {
            break
        }
        'deployctl;apps;help;show' {
            break
        }
        'deployctl;apps;help;delete' {
            break
        }
        'deployctl;apps;help;help' {
            break
        }
        'deployctl;hosts' {
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Remove a dead host''s status from every app')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'deployctl;hosts;delete' {
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Delete even while the host''s agent is registered for an app')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;hosts;help' {
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Remove a dead host''s status from every app')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'deployctl;hosts;help;delete' {
            break
        }
        'deployctl;hosts;help;help' {
            break
        }
        'deployctl;ssh-push' {
            [CompletionResult]::new('--hosts', '--hosts', [CompletionResultType]::ParameterName, 'Hosts, [user@]host[:port], comma-separated')
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'Inventory file: one [user@]host[:port] per line, `#` comments, `[group]` sections')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Only the hosts of this inventory section')
            [CompletionResult]::new('--cmd', '--cmd', [CompletionResultType]::ParameterName, 'The command to run on each host (a template; values are shell-quoted)')
            [CompletionResult]::new('--plan', '--plan', [CompletionResultType]::ParameterName, 'A TOML plan of stages (see docs/ssh-push.md)')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'The version being deployed ({{ version }} in commands)')
            [CompletionResult]::new('--app', '--app', [CompletionResultType]::ParameterName, 'Take this app''s ZooKeeper slots and report status like its agents (needs a published release; its version is used when --version is not given)')
            [CompletionResult]::new('--var', '--var', [CompletionResultType]::ParameterName, 'Template variable, {{ vars.NAME }} (repeatable)')
            [CompletionResult]::new('--secret-var', '--secret-var', [CompletionResultType]::ParameterName, 'Secret template variable: masked in every output (repeatable)')
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'Hosts running at once after the canaries')
            [CompletionResult]::new('--canary', '--canary', [CompletionResultType]::ParameterName, 'The first N hosts run first; a failure there stops everything')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Extra attempts per command, with doubling backoff')
            [CompletionResult]::new('--retry-delay', '--retry-delay', [CompletionResultType]::ParameterName, 'First delay between attempts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout of each command')
            [CompletionResult]::new('--max-failures', '--max-failures', [CompletionResultType]::ParameterName, 'Failed hosts tolerated, as a count or N% of the hosts: one more stops the push; within it the push goes on and succeeds (as a rollout does) [default: 0]')
            [CompletionResult]::new('--get-version-cmd', '--get-version-cmd', [CompletionResultType]::ParameterName, 'Prints the version a host runs; a host already at --version runs nothing (`current`)')
            [CompletionResult]::new('--rerun-failed', '--rerun-failed', [CompletionResultType]::ParameterName, 'Push only to the hosts that failed in an earlier run''s JSON report (its --json-file, or its JSON stdout); with --hosts/--inventory, only those of them')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Only the hosts whose name matches one of these globs (`*`, `?`, `[a-z]`), comma-separated')
            [CompletionResult]::new('--ssh-option', '--ssh-option', [CompletionResultType]::ParameterName, 'Extra ssh_config option, e.g. --ssh-option ProxyJump=bastion (repeatable)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Private key to use (only this key is offered)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Remote user when a host does not name one')
            [CompletionResult]::new('--ssh-timeout', '--ssh-timeout', [CompletionResultType]::ParameterName, 'SSH connect timeout')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Write a JUnit XML report here (one testcase per host; written on every exit)')
            [CompletionResult]::new('--json-file', '--json-file', [CompletionResultType]::ParameterName, 'Write the JSON summary here (written on every exit)')
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--continue-on-error', '--continue-on-error', [CompletionResultType]::ParameterName, 'Keep going on the other hosts after a (non-canary) failure')
            [CompletionResult]::new('--insecure-ignore-host-keys', '--insecure-ignore-host-keys', [CompletionResultType]::ParameterName, 'Do not check host keys (host key checking is on by default)')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Run on this machine without SSH (hosts must be `localhost`)')
            [CompletionResult]::new('--events', '--events', [CompletionResultType]::ParameterName, 'Stream NDJSON progress events on stdout')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on (port 0: any free port; the URL is printed)')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'File holding the token that guards the controls (API: `Authorization: Bearer`; page: log in). Without it the controls are off')
            [CompletionResult]::new('--webhook', '--webhook', [CompletionResultType]::ParameterName, 'POST an event to this http:// or https:// URL when a release is published, reaches its gate, halts, is rolled back, succeeds or fails (repeatable)')
            [CompletionResult]::new('--webhook-format', '--webhook-format', [CompletionResultType]::ParameterName, 'Body of the webhook requests: the event as JSON, or `{"text": ...}` for Slack-compatible incoming webhooks')
            [CompletionResult]::new('--webhook-ca', '--webhook-ca', [CompletionResultType]::ParameterName, 'PEM file of CA certificates trusted for https:// webhooks, besides the system''s')
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Turn the controls off (pause, resume, abort, rollback, publish), even with a token')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;sandbox' {
            [CompletionResult]::new('--hosts', '--hosts', [CompletionResultType]::ParameterName, 'Number of agents (hosts)')
            [CompletionResult]::new('--slots', '--slots', [CompletionResultType]::ParameterName, 'Hosts deploying at once')
            [CompletionResult]::new('--fail-host', '--fail-host', [CompletionResultType]::ParameterName, 'Make this host''s deploy fail (e.g. host-2), to see a failed rollout')
            [CompletionResult]::new('--results', '--results', [CompletionResultType]::ParameterName, 'Where the JUnit and JSON reports are written')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address of the web page (`deployctl serve`) the sandbox starts (port 0: a free port)')
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--fail-check', '--fail-check', [CompletionResultType]::ParameterName, 'Make the second release fail 30% of the demo traffic, to see its metric check fail the canary and halt the release')
            [CompletionResult]::new('--stay', '--stay', [CompletionResultType]::ParameterName, 'After the releases, keep ZooKeeper, the agents and the page running until Ctrl-C or SIGTERM (to look around: the page, `status`, `history`)')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;verify-artifact' {
            [CompletionResult]::new('--sha256', '--sha256', [CompletionResultType]::ParameterName, 'The SHA-256 it must have (64 hex digits) [default: $DEPLOYCTL_ARTIFACT_SHA256, set by the agent for a release published with --artifact-sha256]')
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;completions' {
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;man' {
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'Write every page (deployctl.1, deployctl-publish.1, ...) into this directory instead of printing the main page')
            [CompletionResult]::new('--zk', '--zk', [CompletionResultType]::ParameterName, 'ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]')
            [CompletionResult]::new('--zk-root', '--zk-root', [CompletionResultType]::ParameterName, 'Root znode under which deployctl keeps its data [default: /deployctl]')
            [CompletionResult]::new('--zk-auth', '--zk-auth', [CompletionResultType]::ParameterName, 'ZooKeeper digest credentials USER:PASSWORD')
            [CompletionResult]::new('--zk-auth-file', '--zk-auth-file', [CompletionResultType]::ParameterName, 'File holding USER:PASSWORD (keeps the secret out of argv and `ps`)')
            [CompletionResult]::new('--zk-tls-ca', '--zk-tls-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the ZooKeeper servers'' certificates')
            [CompletionResult]::new('--zk-tls-cert', '--zk-tls-cert', [CompletionResultType]::ParameterName, 'PEM client certificate, for servers that authenticate clients')
            [CompletionResult]::new('--zk-tls-key', '--zk-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to try reaching ZooKeeper before giving up with exit code 4')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr (json for log shippers)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set')
            [CompletionResult]::new('--zk-tls', '--zk-tls', [CompletionResultType]::ParameterName, 'Connect to ZooKeeper over TLS (its secure client port)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'deployctl;help' {
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'Register a new release of an app in ZooKeeper')
            [CompletionResult]::new('agent', 'agent', [CompletionResultType]::ParameterValue, 'Run the host daemon that rolls releases out on this host')
            [CompletionResult]::new('wait-for-rollout', 'wait-for-rollout', [CompletionResultType]::ParameterValue, 'Block until every host runs the release, it fails, or the timeout passes')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show every host''s state for an app')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Hold the rollout: running deploys finish, no new slot is granted')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Continue a paused rollout')
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Stop the current release for good')
            [CompletionResult]::new('freeze', 'freeze', [CompletionResultType]::ParameterValue, 'Freeze deploys of an app: no host starts one until `unfreeze` or --until')
            [CompletionResult]::new('unfreeze', 'unfreeze', [CompletionResultType]::ParameterValue, 'Lift an app''s deploy freeze')
            [CompletionResult]::new('promote', 'promote', [CompletionResultType]::ParameterValue, 'Pass the gate a stepped release (--steps) waits at')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Publish an earlier release again, marked as a rollback')
            [CompletionResult]::new('restart', 'restart', [CompletionResultType]::ParameterValue, 'Restart every host at the current version, through the same slots, canary and health gate')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'List the releases with their outcome')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Lock the tree down with ZooKeeper ACLs: publisher, agent and world permissions')
            [CompletionResult]::new('apps', 'apps', [CompletionResultType]::ParameterValue, 'List, show or delete apps')
            [CompletionResult]::new('hosts', 'hosts', [CompletionResultType]::ParameterValue, 'Every host with the apps it serves, their versions and states (or delete a dead host)')
            [CompletionResult]::new('ssh-push', 'ssh-push', [CompletionResultType]::ParameterValue, 'Deploy over SSH to hosts without agents: canary first, then a bounded parallel pool')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve a live web page of every rollout, a JSON API, Prometheus metrics and webhooks')
            [CompletionResult]::new('sandbox', 'sandbox', [CompletionResultType]::ParameterValue, 'Run a real local rollout: throwaway ZooKeeper, N agents, two staggered releases')
            [CompletionResult]::new('verify-artifact', 'verify-artifact', [CompletionResultType]::ParameterValue, 'Check a downloaded file against the SHA-256 the release pins (--artifact-sha256)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (or write all pages with --out-dir)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'deployctl;help;publish' {
            break
        }
        'deployctl;help;agent' {
            break
        }
        'deployctl;help;wait-for-rollout' {
            break
        }
        'deployctl;help;status' {
            break
        }
        'deployctl;help;pause' {
            break
        }
        'deployctl;help;resume' {
            break
        }
        'deployctl;help;abort' {
            break
        }
        'deployctl;help;freeze' {
            break
        }
        'deployctl;help;unfreeze' {
            break
        }
        'deployctl;help;promote' {
            break
        }
        'deployctl;help;rollback' {
            break
        }
        'deployctl;help;restart' {
            break
        }
        'deployctl;help;history' {
            break
        }
        'deployctl;help;init' {
            break
        }
        'deployctl;help;apps' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List apps with their current release (the default)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show an app''s current release spec')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete an app and its history, status and slots')
            break
        }
        'deployctl;help;apps;list' {
            break
        }
        'deployctl;help;apps;show' {
            break
        }
        'deployctl;help;apps;delete' {
            break
        }
        'deployctl;help;hosts' {
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Remove a dead host''s status from every app')
            break
        }
        'deployctl;help;hosts;delete' {
            break
        }
        'deployctl;help;ssh-push' {
            break
        }
        'deployctl;help;serve' {
            break
        }
        'deployctl;help;sandbox' {
            break
        }
        'deployctl;help;verify-artifact' {
            break
        }
        'deployctl;help;completions' {
            break
        }
        'deployctl;help;man' {
            break
        }
        'deployctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
