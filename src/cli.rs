//! The command line: argument parsing and dispatch to the library, with the
//! documented exit codes (0 ok, 1 an expectation failed, 2 invalid input or
//! usage, 3 other failure).

use crate::output::{write_atomic, write_output};
use crate::report::render_run;
use crate::scenario::{self, STARTER_SCENARIO};
use crate::{Error, simulate_all};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Parser)]
#[command(
    name = "simsms",
    version,
    about = "Simulate OTP SMS delivery: who gets their code, how fast, at what cost"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a scenario and print the report.
    Run {
        /// Scenario file (TOML).
        file: PathBuf,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Override the number of replications.
        #[arg(long, short = 'r')]
        replications: Option<u32>,
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(long, short = 'j')]
        threads: Option<usize>,
        /// Write the report here ("-" for stdout).
        #[arg(long, short = 'o', default_value = "-")]
        output: String,
    },
    /// Validate scenario files without simulating.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write a commented starter scenario.
    Init {
        /// Where to write it.
        #[arg(default_value = "scenario.toml")]
        path: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match execute(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprint!("{e}");
            if !e.to_string().ends_with('\n') {
                eprintln!();
            }
            ExitCode::from(e.exit_code())
        }
    }
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn execute(command: Command) -> Result<u8, Error> {
    match command {
        Command::Run {
            file,
            seed,
            replications,
            threads,
            output,
        } => {
            let mut sc = scenario::load(&file)?;
            if let Some(seed) = seed {
                sc.seed = seed;
            }
            if let Some(r) = replications {
                if r == 0 {
                    return Err(Error::Usage("--replications must be at least 1".into()));
                }
                sc.replications = r;
            }
            let threads = threads.unwrap_or_else(default_threads);
            if threads == 0 {
                return Err(Error::Usage("--threads must be at least 1".into()));
            }
            let started = Instant::now();
            let source = file.display().to_string();
            let results = simulate_all(&sc, &source, threads);
            let elapsed = started.elapsed().as_secs_f64();
            write_output(&output, &render_run(&sc, &results))?;
            let sessions: u64 = std::iter::once(&results.base)
                .chain(results.alternatives.iter().map(|(_, r)| r))
                .map(|r| r.merged.total_sessions())
                .sum();
            eprintln!(
                "simsms: {sessions} sessions in {elapsed:.2} s ({:.2}M sessions/s on {threads} threads)",
                sessions as f64 / elapsed.max(1e-9) / 1e6
            );
            Ok(if results.all_passed() { 0 } else { 1 })
        }
        Command::Check { files } => {
            let mut worst = 0;
            for file in files {
                match scenario::load(&file) {
                    Ok(sc) => println!(
                        "ok: {} (\"{}\": {} providers, {} carriers, {} outages)",
                        file.display(),
                        sc.name,
                        sc.providers.len(),
                        sc.carriers.len(),
                        sc.outages.len()
                    ),
                    Err(e) => {
                        eprint!("{e}");
                        worst = worst.max(e.exit_code());
                    }
                }
            }
            Ok(worst)
        }
        Command::Init { path, force } => {
            if path.exists() && !force {
                return Err(Error::Usage(format!(
                    "{} already exists; pass --force to overwrite it",
                    path.display()
                )));
            }
            write_atomic(&path, STARTER_SCENARIO.as_bytes())?;
            println!(
                "wrote {}; try: simsms run {}",
                path.display(),
                path.display()
            );
            Ok(0)
        }
    }
}
