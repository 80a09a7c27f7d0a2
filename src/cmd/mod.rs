//! One module per subcommand, each with its own argument struct and `run`.

pub mod agent;
pub mod apps;
pub mod assets;
pub mod control;
pub mod freeze;
pub mod history;
pub mod hosts;
pub mod init;
pub mod promote;
pub mod publish;
pub mod report;
pub mod restart;
pub mod rollback;
pub mod sandbox;
pub mod serve;
pub mod sign;
pub mod ssh_push;
pub mod status;
pub mod verify_artifact;
pub mod wait;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::error::Result;
use crate::output::Printer;
use crate::output::report::RunError;

/// What every subcommand gets: the global flags and the printer.
pub struct Ctx {
    pub global: GlobalArgs,
    pub printer: Printer,
}

/// Run the command. With `--output json`, a command that fails before printing its document
/// prints the error report (`docs/schema/error.schema.json`) instead: one place for every
/// command, so stdout is exactly one JSON document on every exit.
pub async fn run(cli: Cli) -> Result<()> {
    let json = cli.global.output == crate::output::OutputFormat::Json;
    let command = cli.command.name();
    let app = cli.command.app().map(str::to_string);
    let result = dispatch(cli).await;
    if let Err(e) = &result
        && json
        && !crate::output::document_printed()
    {
        let printer = Printer {
            format: crate::output::OutputFormat::Json,
            quiet: false,
        };
        printer.json(&RunError::new(command, app.as_deref(), e));
    }
    result
}

async fn dispatch(mut cli: Cli) -> Result<()> {
    if let Some(path) = cli.global.zk_auth_file.take() {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| crate::error::Error::input_file("--zk-auth-file", &path, e))?;
        let auth = text.trim();
        if !auth.contains(':') || auth.lines().count() != 1 {
            return Err(crate::error::Error::invalid(
                "ZooKeeper auth file",
                path.display(),
                "must hold one line USER:PASSWORD",
            ));
        }
        cli.global.zk_auth = Some(auth.to_string());
    }
    let ctx = Ctx {
        printer: Printer {
            format: cli.global.output,
            quiet: cli.global.quiet > 0,
        },
        global: cli.global,
    };
    match cli.command {
        Command::Publish(args) => publish::run(&ctx, *args).await,
        Command::Agent(args) => agent::run(&ctx, args).await,
        Command::Status(args) => status::run(&ctx, args).await,
        Command::WaitForRollout(args) => wait::run(&ctx, args).await,
        Command::Apps(args) => apps::run(&ctx, args).await,
        Command::Hosts(args) => hosts::run(&ctx, args).await,
        Command::Pause(args) => control::run(&ctx, control::Control::Pause, args).await,
        Command::Resume(args) => control::run(&ctx, control::Control::Resume, args).await,
        Command::Abort(args) => control::run(&ctx, control::Control::Abort, args).await,
        Command::Promote(args) => promote::run(&ctx, args).await,
        Command::Freeze(args) => freeze::freeze(&ctx, args).await,
        Command::Unfreeze(args) => freeze::unfreeze(&ctx, args).await,
        Command::Rollback(args) => rollback::run(&ctx, args).await,
        Command::Restart(args) => restart::run(&ctx, args).await,
        Command::History(args) => history::run(&ctx, args).await,
        Command::Init(args) => init::run(&ctx, args).await,
        Command::Sandbox(args) => sandbox::run(&ctx, args).await,
        // Boxed: the server's future is large, and `run` is polled on the main thread's stack
        // (an agent started with a small stack limit must still fit).
        Command::Serve(args) => Box::pin(serve::run(&ctx, args)).await,
        Command::SshPush(args) => ssh_push::run(&ctx, *args).await,
        Command::VerifyArtifact(args) => verify_artifact::run(&ctx, args),
        Command::Completions(args) => assets::completions(args),
        Command::Man(args) => assets::man(&ctx, args),
        Command::GenerateAssets(args) => assets::generate(&ctx, args),
    }
}
