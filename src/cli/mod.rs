//! The command line: parsing (clap) and a thin dispatch to one file per
//! command, with the documented exit codes (0 ok, 1 an expectation failed,
//! 2 invalid input or usage, 3 other failure).

mod args;
mod bench;
mod bench_smpp;
mod check;
mod fit;
mod init;
mod load;
mod load_args;
mod load_flags;
mod merge;
mod outputs;
mod paths;
mod run;
mod sensitivity;
mod serve;
mod sweep;

use crate::Error;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

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
    /// Simulate a scenario (and its alternatives) and print the report.
    Run(run::RunArgs),
    /// Simulate alternatives on the same users and compare them per carrier.
    Compare(run::CompareArgs),
    /// Simulate a grid of settings: --set KEY=V1,V2,... (repeatable).
    Sweep(sweep::SweepArgs),
    /// Vary each numeric input down and up, one at a time, and rank the
    /// inputs by their effect on a metric (tornado chart, CSV).
    Sensitivity(sensitivity::SensitivityArgs),
    /// Merge partial results of --shard runs into the report the unsharded
    /// run prints.
    Merge(merge::MergeArgs),
    /// Measure performance (see docs/performance.md).
    Bench {
        #[command(subcommand)]
        what: bench::BenchCommand,
    },
    /// Serve the scenario's providers as a fake SMSC (SMPP) in real time.
    Serve(serve::ServeArgs),
    /// Drive a real SMPP endpoint with the scenario's traffic and report
    /// what it measured.
    Load(Box<load_args::LoadArgs>),
    /// Fit a scenario to delivery records (simsms --events, a CSV, Twilio
    /// BulkExport, a Kannel access log) and report how well it fits.
    Fit(Box<fit::FitArgs>),
    /// Validate scenario files without simulating.
    Check(check::CheckArgs),
    /// Write a commented starter scenario.
    Init(init::InitArgs),
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

/// Runs one command; returns its exit code.
fn execute(command: Command) -> Result<u8, Error> {
    match command {
        Command::Run(args) => run::run(args),
        Command::Compare(args) => run::compare(args),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Sensitivity(args) => sensitivity::sensitivity(args),
        Command::Merge(args) => merge::merge(args),
        Command::Bench { what } => bench::bench(what),
        Command::Serve(args) => serve::serve(args),
        Command::Load(args) => load::load(*args),
        Command::Check(args) => check::check(args),
        Command::Fit(args) => fit::fit(*args),
        Command::Init(args) => init::init(args),
    }
}
