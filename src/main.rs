use deployctl::cli::{Cli, LogFormat, error_line};
use tracing_subscriber::EnvFilter;

/// Stack of the thread everything runs on.
const STACK_BYTES: usize = 16 << 20;

fn main() -> std::process::ExitCode {
    // The CLI parser (clap builds every subcommand's arguments) and the top-level future are deep
    // in a debug build: run them on a thread whose stack size is ours, not on the main thread,
    // whose stack is whatever RLIMIT_STACK the process inherited (an agent started with a small
    // limit overflowed before parsing its arguments).
    // The stop signals stay blocked on this thread for good, so they are always delivered to the
    // worker, which decides about them (the agent's handlers).
    set_stop_signals(libc::SIG_BLOCK);
    let worker = std::thread::Builder::new()
        .name("main".into())
        .stack_size(STACK_BYTES)
        .spawn(real_main);
    match worker.map(|t| t.join()) {
        Ok(Ok(code)) => code,
        // The panic was printed by the panic hook.
        Ok(Err(_)) => std::process::ExitCode::from(101),
        Err(e) => {
            eprintln!("error: cannot start the main thread: {e}");
            std::process::ExitCode::from(1)
        }
    }
}

/// Block or unblock SIGTERM, SIGINT and SIGHUP on the calling thread (new threads inherit it).
fn set_stop_signals(how: libc::c_int) {
    // SAFETY: plain libc calls on a local, zero-initialised signal set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for s in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            libc::sigaddset(&mut set, s);
        }
        libc::pthread_sigmask(how, &set, std::ptr::null_mut());
    }
}

fn real_main() -> std::process::ExitCode {
    set_stop_signals(libc::SIG_UNBLOCK);
    let cli = Cli::parse_args();
    let level = match (cli.global.quiet, cli.global.verbose) {
        (q, _) if q > 0 => "error",
        (_, 0) => "info",
        (_, 1) => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_env("DEPLOYCTL_LOG").unwrap_or_else(|_| {
        EnvFilter::new(format!("warn,zookeeper_client=error,deployctl={level}"))
    });
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // No escape bytes in a log file, a pipe or a journal (`--color`, NO_COLOR).
        .with_ansi(cli.global.color.for_stderr());
    let format = cli.global.log_format;
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            let msg = format!("cannot start the async runtime: {e}");
            eprintln!("{}", error_line(format, &msg, 1));
            return std::process::ExitCode::from(1);
        }
    };
    match runtime.block_on(deployctl::cmd::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let code = e.exit_code().code();
            // Printed whatever the log filter says: it is the command's answer.
            eprintln!("{}", error_line(format, &e.to_string(), code));
            std::process::ExitCode::from(code as u8)
        }
    }
}
