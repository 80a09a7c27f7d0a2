use deployctl::cli::{Cli, LogFormat, error_line};
use tracing_subscriber::EnvFilter;

fn main() -> std::process::ExitCode {
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
