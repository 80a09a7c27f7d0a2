// deployctl — Jenkins shared-library step (put this repository's jenkins/ directory in a shared
// library, or copy vars/deployctl.groovy into yours).
//
//   deployctl.publish(app: 'web', version: '1.4.2', args: ['--slots', '2'])
//   deployctl.publish(app: 'web', wait: true, timeout: '20m')      // version from git
//   deployctl.waitForRollout(app: 'web', version: '1.4.2', timeout: '20m')
//   deployctl.sshPush(inventory: 'hosts.ini', cmd: './deploy.sh {{ version }}', version: '1.4.2')
//   deployctl(command: 'status', app: 'web')
//
// Common options: zk (servers), zkAuthCredentialsId (a "secret text" credential holding
// user:password), binary (path of deployctl, default $DEPLOYCTL_BIN or `deployctl` on PATH),
// junit (report path, default deployctl-junit.xml), args (extra flags, a list).
//
// Exit codes become build results: 0 success; 3 (timed out) UNSTABLE; 1 (rollout failed),
// 2 (bad input), 4 (ZooKeeper) FAILURE. The JUnit report is always archived and recorded.

int call(Map opts = [:]) {
    List argv = [opts.command ?: 'status']
    if (opts.app) {
        argv << opts.app
    }
    return runDeployctl(argv + (opts.args ?: []), opts)
}

int publish(Map opts) {
    List argv = ['publish', required(opts, 'app')]
    if (opts.version) {
        argv << opts.version
    } else {
        argv << '--version-from-git'
    }
    if (opts.wait) {
        argv += ['--wait', '--timeout', opts.timeout ?: '15m', '--junit', junitFile(opts)]
    }
    return runDeployctl(argv + (opts.args ?: []), opts + [recordJunit: opts.wait ? true : false])
}

int waitForRollout(Map opts) {
    List argv = ['wait-for-rollout', required(opts, 'app')]
    argv += ['--timeout', opts.timeout ?: '15m', '--junit', junitFile(opts)]
    if (opts.version) {
        argv += ['--version', opts.version]
    }
    if (opts.release) {
        argv += ['--release', opts.release.toString()]
    }
    return runDeployctl(argv + (opts.args ?: []), recordingJunit(opts))
}

int sshPush(Map opts) {
    List argv = ['ssh-push', '--junit', junitFile(opts)]
    if (opts.inventory) {
        argv += ['--inventory', opts.inventory]
    }
    if (opts.hosts) {
        // A list or one comma-separated string.
        argv += ['--hosts', [opts.hosts].flatten().join(',')]
    }
    if (opts.cmd) {
        argv += ['--cmd', opts.cmd]
    }
    if (opts.plan) {
        argv += ['--plan', opts.plan]
    }
    if (opts.version) {
        argv += ['--version', opts.version]
    }
    return runDeployctl(argv + (opts.args ?: []), recordingJunit(opts))
}

private Map recordingJunit(Map opts) {
    return opts + [recordJunit: true]
}

private String required(Map opts, String key) {
    if (!opts[key]) {
        error("deployctl: '${key}' is required")
    }
    return opts[key].toString()
}

private String junitFile(Map opts) {
    return opts.junit ?: 'deployctl-junit.xml'
}

// One shell word, whatever the value holds.
private String shellQuote(Object value) {
    return "'" + value.toString().replace("'", "'\"'\"'") + "'"
}

private int runDeployctl(List argv, Map opts) {
    String bin = opts.binary ?: (env.DEPLOYCTL_BIN ?: 'deployctl')
    String script = ([bin] + argv).collect { word -> shellQuote(word) }.join(' ')
    List envs = []
    if (opts.zk) {
        envs << "DEPLOYCTL_ZK=${opts.zk}"
    }
    int code = 0
    withEnv(envs) {
        if (opts.zkAuthCredentialsId) {
            withCredentials([string(credentialsId: opts.zkAuthCredentialsId, variable: 'DEPLOYCTL_ZK_AUTH')]) {
                code = sh(script: script, returnStatus: true)
            }
        } else {
            code = sh(script: script, returnStatus: true)
        }
    }
    if (opts.recordJunit) {
        archiveArtifacts(artifacts: junitFile(opts), allowEmptyArchive: true)
        junit(testResults: junitFile(opts), allowEmptyResults: true)
    }
    switch (code) {
        case 0:
            break
        case 3:
            unstable('deployctl: timed out (exit 3)')
            break
        case 1:
            error('deployctl: rollout or deploy failed (exit 1)')
            break
        case 2:
            error('deployctl: bad usage or invalid input (exit 2)')
            break
        case 4:
            error('deployctl: ZooKeeper unreachable or not authorised (exit 4)')
            break
        default:
            error("deployctl: exit code ${code}")
    }
    return code
}
