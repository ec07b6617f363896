//! Runs the evaluation from the command line: `cargo run --release -p newshound-eval --example eval -- --pages DIR --truth DIR`.

use clap::Parser;

/// Command-line wrapper around [`newshound_eval::EvalArgs`].
#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: newshound_eval::EvalArgs,
}

fn main() {
    let cli = Cli::parse();
    match newshound_eval::run(&cli.args) {
        Ok(report) => println!("{report}"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
