//! The `hostlint` command line: clap → lib → exit code (0 clean, 1 findings, 2 error).

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use hostlint::rules::Severity;
use hostlint::{Config, Report, discover, lint, report};

#[derive(Parser)]
#[command(
    name = "hostlint",
    version,
    about = "Will these Kubernetes workloads and AKS cluster definitions work on Azure Container Linux?"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint files, directories (recursively) or `-` (stdin).
    Check(CheckArgs),
    /// List the rules.
    Rules {
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
    },
    /// Explain a rule: why, example, fix, references.
    Explain { rule: String },
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Files, directories or `-` for stdin.
    #[arg(default_value = ".")]
    paths: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Write the report to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// Only these rules (comma-separated).
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Skip these rules (comma-separated).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Leave out paths matching GLOB (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Check every Linux node pool as an ACL migration candidate.
    #[arg(long)]
    all_pools: bool,
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Also list inputs that held nothing to check.
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    Table,
    Markdown,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
    None,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check(args),
        Command::Rules { format } => {
            let text = match format {
                RulesFormat::Table => hostlint::report::rules::table(),
                RulesFormat::Markdown => hostlint::report::rules::index_markdown(),
                RulesFormat::Json => hostlint::report::rules::json(),
            };
            print!("{text}");
            ExitCode::SUCCESS
        }
        Command::Explain { rule } => match hostlint::rules::by_name(&rule) {
            Some(r) => {
                print!("{}", hostlint::report::rules::page(r));
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("error: no rule named `{rule}` (see `hostlint rules`)");
                ExitCode::from(2)
            }
        },
    }
}

fn check(args: CheckArgs) -> ExitCode {
    let mut usage_errors = Vec::new();
    for name in args.select.iter().chain(&args.ignore) {
        if hostlint::rules::by_name(name).is_none() {
            usage_errors.push(format!("no rule named `{name}` (see `hostlint rules`)"));
        }
    }
    if !usage_errors.is_empty() {
        for e in usage_errors {
            eprintln!("error: {e}");
        }
        return ExitCode::from(2);
    }
    let config = Config {
        select: args.select,
        ignore: args.ignore,
        all_pools: args.all_pools,
        ..Config::default()
    };
    let mut read_stdin = || {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).map(|_| buf)
    };
    let (inputs, discover_errors) = discover::discover(&args.paths, &args.exclude, &mut read_stdin);
    let mut report: Report = lint(&inputs, &config);
    report.errors.extend(discover_errors);
    report.sort();

    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let text = match args.format {
        Format::Human => report::human::render(&report, color),
        Format::Json => report::json::render(&report),
    };
    if args.verbose {
        for (file, why) in &report.skipped {
            eprintln!("skipped {file}: {why}");
        }
    }
    let written = match &args.output {
        Some(path) => {
            std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
        }
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .map_err(|e| e.to_string()),
    };
    if let Err(e) = written {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::None => None,
    };
    if !report.errors.is_empty() {
        ExitCode::from(2)
    } else if threshold.is_some_and(|t| report.findings.iter().any(|f| f.severity >= t)) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
