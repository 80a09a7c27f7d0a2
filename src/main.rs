use deployctl::cli::{Cli, Command, LogFormat, error_line};
use tracing_subscriber::EnvFilter;

/// Run `f` on a thread with a stack of its own size: how much stack the main thread has depends
/// on RLIMIT_STACK (an agent may be started with a small one), and a debug build of the derived
/// parser alone needs most of 512 KiB.
fn on_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let spawned = std::thread::Builder::new()
        .name("deployctl".into())
        .stack_size(16 << 20)
        .spawn(f);
    match spawned.map(|h| h.join()) {
        Ok(Ok(v)) => v,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(e) => {
            eprintln!("error: cannot start the main thread: {e}");
            std::process::exit(1);
        }
    }
}

fn main() -> std::process::ExitCode {
    let cli = on_big_stack(Cli::parse_args);
    // The command guard must stay tiny: no runtime, no logging set-up, and on the main thread
    // (its signal mask is per thread).
    if let Command::ExecGuard(args) = &cli.command {
        std::process::exit(deployctl::agent::guard::run(&args.script));
    }
    on_big_stack(move || run(cli))
}

fn run(cli: Cli) -> std::process::ExitCode {
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
        .with_writer(std::io::stderr);
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
