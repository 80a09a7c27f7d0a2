//! `deployctl completions SHELL`, `deployctl man`, and the hidden `generate-assets [--check]`
//! that writes (or checks for drift) the committed `completions/` and `man/` trees.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory};

use clap_complete::Shell;

use super::Ctx;
use crate::cli::Cli;
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write every page (deployctl.1, deployctl-publish.1, ...) into this directory instead of
    /// printing the main page
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct GenerateAssetsArgs {
    /// The repository root holding completions/ and man/
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Do not write: fail (exit 1) when a committed file differs from what the CLI generates
    #[arg(long)]
    pub check: bool,
}

const SHELLS: [(Shell, &str); 5] = [
    (Shell::Bash, "deployctl.bash"),
    (Shell::Zsh, "_deployctl"),
    (Shell::Fish, "deployctl.fish"),
    (Shell::Elvish, "deployctl.elv"),
    (Shell::PowerShell, "_deployctl.ps1"),
];

/// The CLI definition without anything that depends on the caller's environment (clap shows
/// `[env: NAME=value]` when a variable is set), so generated files are reproducible.
fn command() -> clap::Command {
    fn scrub(c: clap::Command) -> clap::Command {
        c.mut_args(|a| a.hide_env_values(true))
            .mut_subcommands(scrub)
    }
    scrub(Cli::command())
}

fn completion(shell: Shell) -> Vec<u8> {
    let mut buf = vec![];
    clap_complete::generate(shell, &mut command(), "deployctl", &mut buf);
    buf
}

/// Every man page: the main one and one per visible subcommand.
fn man_pages() -> Result<Vec<(String, Vec<u8>)>> {
    let cmd = command();
    let render = |c: clap::Command| -> Result<Vec<u8>> {
        let mut buf = vec![];
        clap_mangen::Man::new(c)
            .render(&mut buf)
            .map_err(|e| Error::io("rendering a man page", e))?;
        Ok(buf)
    };
    let mut pages = vec![("deployctl.1".to_string(), render(cmd.clone())?)];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("deployctl-{}", sub.get_name());
        let page = sub
            .clone()
            .name(name.clone())
            .bin_name(format!("deployctl {}", sub.get_name()));
        pages.push((format!("{name}.1"), render(page)?));
    }
    Ok(pages)
}

/// Pure: all generated files, relative to the repository root.
pub fn assets() -> Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut out: Vec<(PathBuf, Vec<u8>)> = SHELLS
        .iter()
        .map(|(sh, file)| (Path::new("completions").join(file), completion(*sh)))
        .collect();
    for (name, page) in man_pages()? {
        out.push((Path::new("man").join(name), page));
    }
    Ok(out)
}

pub fn completions(args: CompletionsArgs) -> Result<()> {
    let _ = std::io::stdout().write_all(&completion(args.shell));
    Ok(())
}

pub fn man(ctx: &Ctx, args: ManArgs) -> Result<()> {
    let pages = man_pages()?;
    match args.out_dir {
        None => {
            let _ = std::io::stdout().write_all(&pages[0].1);
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
            for (name, page) in &pages {
                let p = dir.join(name);
                std::fs::write(&p, page)
                    .map_err(|e| Error::io(format!("writing {}", p.display()), e))?;
            }
            ctx.printer
                .line(&format!("wrote {} pages to {}", pages.len(), dir.display()));
        }
    }
    Ok(())
}

pub fn generate(ctx: &Ctx, args: GenerateAssetsArgs) -> Result<()> {
    let files = assets()?;
    let mut drift = vec![];
    for dir in ["completions", "man"] {
        // Files that the CLI no longer generates are drift too.
        if let Ok(rd) = std::fs::read_dir(args.dir.join(dir)) {
            for e in rd.flatten() {
                let rel = Path::new(dir).join(e.file_name());
                if !files.iter().any(|(p, _)| *p == rel) {
                    if args.check {
                        drift.push(format!("{} is not generated any more", rel.display()));
                    } else {
                        let _ = std::fs::remove_file(e.path());
                    }
                }
            }
        }
    }
    for (rel, content) in &files {
        let path = args.dir.join(rel);
        let current = std::fs::read(&path).ok();
        if current.as_deref() == Some(content.as_slice()) {
            continue;
        }
        if args.check {
            drift.push(format!(
                "{} is {}",
                rel.display(),
                if current.is_some() {
                    "out of date"
                } else {
                    "missing"
                }
            ));
        } else {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
            }
            std::fs::write(&path, content)
                .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
            ctx.printer.line(&format!("wrote {}", rel.display()));
        }
    }
    if drift.is_empty() {
        Ok(())
    } else {
        Err(Error::Failed(format!(
            "generated files drifted from the CLI (run `cargo run -- generate-assets`):\n  {}",
            drift.join("\n  ")
        )))
    }
}
