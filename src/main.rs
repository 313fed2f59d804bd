use std::process::ExitCode;

fn main() -> ExitCode {
    simsms::cli::main()
}
