use clap::Args;

#[derive(Debug, Args)]
pub struct ExecGuardArgs {
    /// The shell script to run with `sh -c`
    #[arg(last = true, required = true)]
    pub script: String,
}
