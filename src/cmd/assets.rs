//! `deployctl completions SHELL`, `deployctl man`, and the hidden `generate-assets [--check]`
//! that writes (or checks for drift) the committed `completions/` and `man/` trees.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory};

use clap_complete::Shell;

use super::Ctx;
use crate::cli::Cli;
use crate::error::{Error, ExitCode, Result};

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

/// Date in every man page's `.TH` line (YYYY-MM-DD, which mandoc parses): fixed, so the
/// generated pages are reproducible; move it forward when the CLI changes.
const MAN_DATE: &str = "2026-11-22";

/// The CLI definition without anything that depends on the caller's environment (clap shows
/// `[env: NAME=value]` when a variable is set), so generated files are reproducible.
fn command() -> clap::Command {
    fn scrub(c: clap::Command) -> clap::Command {
        c.mut_args(|a| a.hide_env_values(true))
            .mut_subcommands(scrub)
    }
    scrub(Cli::command())
}

/// The command as completions should offer it: clap_complete's generators list hidden
/// subcommands and flags (only hidden possible values are skipped), so the internal
/// `generate-assets` and `--heartbeat` are left out of the copy they see.
fn visible(c: &clap::Command) -> clap::Command {
    let mut out = clap::Command::new(c.get_name().to_string())
        .args(c.get_arguments().filter(|a| !a.is_hide_set()).cloned())
        .groups(c.get_groups().cloned().map(|mut g| {
            // derive groups each flattened struct's args; the hidden ones are gone here.
            let ids = g
                .get_args()
                .filter(|id| {
                    c.get_arguments()
                        .any(|a| a.get_id() == *id && !a.is_hide_set())
                })
                .cloned()
                .collect::<Vec<_>>();
            let multiple = g.is_multiple();
            clap::ArgGroup::new(g.get_id().clone())
                .args(ids)
                .multiple(multiple)
                .required(g.is_required_set())
        }))
        .subcommands(
            c.get_subcommands()
                .filter(|s| !s.is_hide_set())
                .map(visible),
        )
        .visible_aliases(c.get_visible_aliases().map(str::to_string))
        .subcommand_required(c.is_subcommand_required_set())
        .args_conflicts_with_subcommands(c.is_args_conflicts_with_subcommands_set());
    if let Some(about) = c.get_about() {
        out = out.about(about.clone());
    }
    if let Some(v) = c.get_version() {
        out = out.version(v.to_string());
    }
    out
}

fn completion(shell: Shell) -> Vec<u8> {
    let mut buf = vec![];
    clap_complete::generate(shell, &mut visible(&command()), "deployctl", &mut buf);
    buf
}

/// One man page: clap_mangen's sections, then EXIT STATUS from the one exit-code list.
fn render_page(c: clap::Command) -> Result<Vec<u8>> {
    let name = c.get_display_name().unwrap_or(c.get_name()).to_string();
    // Positionals that take several values: clap_mangen's synopsis shows `<APP>` where `--help`
    // shows `<APP>...`.
    let repeated: Vec<String> = c
        .get_positionals()
        .filter(|a| a.get_num_args().is_some_and(|n| n.max_values() > 1))
        .filter_map(|a| {
            a.get_value_names()
                .and_then(|v| v.first())
                .map(|v| v.to_string())
        })
        .collect();
    let man = clap_mangen::Man::new(c)
        .title(name.to_uppercase())
        .date(MAN_DATE)
        .source(format!("deployctl {}", env!("CARGO_PKG_VERSION")))
        .manual("deployctl manual");
    let mut buf = vec![];
    man.render(&mut buf)
        .map_err(|e| Error::io("rendering a man page", e))?;
    let mut status = clap_mangen::roff::Roff::new();
    status.control("SH", ["EXIT STATUS"]);
    for code in ExitCode::ALL {
        status.control("TP", []);
        status.text([clap_mangen::roff::bold(code.code().to_string())]);
        status.text([clap_mangen::roff::roman(code.meaning())]);
    }
    if name != "deployctl" {
        status.control("SH", ["SEE ALSO"]);
        status.text([
            clap_mangen::roff::bold("deployctl"),
            clap_mangen::roff::roman("(1) for the ZooKeeper and global options"),
        ]);
    }
    let status = status.to_roff();
    // Before VERSION, where man pages keep EXIT STATUS; at the end if there is none.
    // clap_mangen separates "Possible values:" with `.br`, a blank line, `.br`; mandoc warns
    // about both breaks around the blank line's implied `.sp`, so say `.sp` alone.
    let mut text = String::from_utf8_lossy(&buf).replace("\n.br\n\n.br\n", "\n.sp\n");
    if let Some(start) = text.find(".SH SYNOPSIS") {
        let end = text[start + 1..]
            .find("\n.SH ")
            .map_or(text.len(), |e| start + 1 + e);
        let mut synopsis = text[start..end].to_string();
        for v in &repeated {
            for (from, to) in [
                (format!("<\\fI{v}\\fR>"), format!("<\\fI{v}\\fR>...")),
                (format!("[\\fI{v}\\fR]"), format!("[\\fI{v}\\fR]...")),
            ] {
                if !synopsis.contains(&to) {
                    synopsis = synopsis.replace(&from, &to);
                }
            }
        }
        text.replace_range(start..end, &synopsis);
    }
    let text = match text.find(".SH VERSION") {
        Some(at) => format!("{}{status}{}", &text[..at], &text[at..]),
        None => text + &status,
    };
    Ok(text.into_bytes())
}

/// Every man page: the main one and one per visible subcommand, nested ones included (a page
/// lists its subcommands as `deployctl-apps-list(1)`, so each must exist). clap's generated
/// `help` subcommand gets no page and is not listed.
fn man_pages() -> Result<Vec<(String, Vec<u8>)>> {
    fn walk(c: clap::Command, out: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
        let c = c.disable_help_subcommand(true);
        let name = c.get_display_name().unwrap_or(c.get_name()).to_string();
        let bin = c.get_bin_name().unwrap_or(c.get_name()).to_string();
        for sub in c.get_subcommands().filter(|s| !s.is_hide_set()) {
            let page = sub
                .clone()
                .display_name(format!("{name}-{}", sub.get_name()))
                .bin_name(format!("{bin} {}", sub.get_name()));
            walk(page, out)?;
        }
        out.push((format!("{name}.1"), render_page(c)?));
        Ok(())
    }
    let mut pages = vec![];
    walk(
        command().display_name("deployctl").bin_name("deployctl"),
        &mut pages,
    )?;
    // The main page first (`deployctl man` prints it), then by name.
    pages.sort_by(|a, b| (a.0 != "deployctl.1", &a.0).cmp(&(b.0 != "deployctl.1", &b.0)));
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
