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
        /// table: one line per rule (name, default severity, summary); markdown: the index of
        /// `rules/`; json: name, severity, summary, fix, tags and references of each rule.
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
    },
    /// Explain a rule: why, example, fix, references, and its verdict on each host.
    Explain {
        /// The rule's name, as `hostlint rules` lists it (e.g. `host-pid`).
        rule: String,
    },
    /// List the host profiles (one line each), or one profile's facts with their sources.
    Hosts {
        /// A profile's name (`acl`, `osguard`, `flatcar`, `ubuntu`, `azurelinux`): print its facts.
        name: Option<String>,
    },
    /// Review an AdmissionReview (admission.k8s.io/v1) request: the response goes to stdout.
    Review(ReviewArgs),
    /// Migration readiness: workloads, namespaces and node pools, each ready, review or blocked.
    ///
    /// The findings of `check` (same inputs, flags and exit codes) folded into workloads (Pods,
    /// ReplicaSets and Jobs into their owners), namespaces and node pools; AKS-managed objects apart.
    /// Markdown for a job summary or a pull request comment, one self-contained HTML page, or JSON.
    Report(ReportArgs),
    /// Run the HTTPS validating webhook (`/validate`, `/healthz`, `/readyz`, `/metrics`).
    #[cfg(feature = "server")]
    Serve(ServeArgs),
    /// Run the HTTPS validating webhook: not in this build (see `hostlint serve` for how to get it).
    #[cfg(not(feature = "server"))]
    Serve {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
        args: Vec<String>,
    },
}

#[derive(clap::Args)]
struct ReviewArgs {
    /// The AdmissionReview request: a file or `-` for stdin.
    #[arg(default_value = "-")]
    file: String,
    #[command(flatten)]
    policy: PolicyArgs,
}

#[derive(clap::Args)]
struct PolicyArgs {
    /// warn: always allow, findings as warnings; deny: deny on findings at or above `--fail-on`.
    #[arg(long, value_enum, default_value_t = hostlint::admission::Mode::Warn)]
    mode: hostlint::admission::Mode,
    /// In deny mode, deny on findings at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// Read this config instead of the nearest `.hostlint.yaml` from the current directory up.
    #[arg(long, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    /// The host to admit for (acl, osguard, flatcar); overrides `.hostlint.yaml` `host:`.
    #[arg(long, value_enum)]
    host: Option<HostName>,
}

impl PolicyArgs {
    fn policy(&self) -> hostlint::admission::Policy {
        hostlint::admission::Policy {
            mode: self.mode,
            fail_on: threshold(self.fail_on),
        }
    }
}

#[cfg(feature = "server")]
#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0:8443")]
    listen: std::net::SocketAddr,
    /// PEM certificate chain (re-read when the file changes).
    #[arg(long, value_name = "FILE")]
    tls_cert: std::path::PathBuf,
    /// PEM private key (re-read when the file changes).
    #[arg(long, value_name = "FILE")]
    tls_key: std::path::PathBuf,
    #[command(flatten)]
    policy: PolicyArgs,
}

/// The inputs and the run's settings, shared by `check` and `report`.
#[derive(clap::Args)]
struct InputArgs {
    /// Files, directories or `-` for stdin. A FIFO or device named here is read like stdin (waiting at
    /// most 10 s for its first byte); in directories only regular files are read.
    #[arg(default_value = ".")]
    paths: Vec<std::path::PathBuf>,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// Only these rules (comma-separated).
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Skip these rules (comma-separated).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Leave out paths matching GLOB, relative to the current directory (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Also walk hidden files and directories (`.git` is never walked).
    #[arg(long)]
    hidden: bool,
    /// Follow symbolic links while walking directories.
    #[arg(long, short = 'L')]
    follow: bool,
    /// Check every Linux node pool as an ACL migration candidate.
    #[arg(long)]
    all_pools: bool,
    /// Read this config instead of the nearest `.hostlint.yaml` from the linted paths up (else from
    /// the current directory up).
    #[arg(long, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    /// Findings in this baseline (from `--write-baseline`) do not count.
    #[arg(long, value_name = "FILE")]
    baseline: Option<std::path::PathBuf>,
    /// List every skipped file and why (on stderr): chart templates, files with nothing to check, ...
    #[arg(long, short)]
    verbose: bool,
    /// The host to lint for: acl (Azure Container Linux, the default), osguard (Azure Linux with OS
    /// Guard on AKS), flatcar (generic Flatcar). Overrides `.hostlint.yaml` `host:`; a node pool's
    /// OS SKU still picks the profile of its own rules.
    #[arg(long, value_enum)]
    host: Option<HostName>,
    /// Report only findings new on the target host compared with HOST, where the workloads run
    /// today (osguard, flatcar, or a general-purpose ubuntu or azurelinux).
    #[arg(long, value_enum, value_name = "HOST")]
    from: Option<FromHost>,
    /// The target host's code integrity (IPE) mode: with audit or enforce, `unsigned-host-executable`
    /// reports executables placed on the host (info under audit, error under enforce).
    #[arg(long, value_enum)]
    code_integrity: Option<CodeIntegrity>,
    /// The most one document may hold (one YAML document, or a JSON or other input parsed whole),
    /// default 32 MiB: bytes, or with K, M or G (KiB, MiB, GiB). A document is parsed whole, so a
    /// run needs about 7 bytes of memory per byte of its biggest document.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_document_size: Option<u64>,
}

#[derive(clap::Args)]
struct CheckArgs {
    #[command(flatten)]
    input: InputArgs,
    /// The report: human (snippets, for a terminal), json, sarif (code scanning), github (workflow
    /// annotations) or junit (Azure DevOps, GitLab test reports).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Write the report to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// Write the findings of this run as a baseline to FILE (instead of the report), then exit 0.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<std::path::PathBuf>,
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Apply the safe fixes in place (span-exact edits; the report lists what was left).
    #[arg(long)]
    fix: bool,
    /// With `--fix` or `--diff`: also apply the unsafe fixes (they change more than the finding).
    #[arg(long)]
    unsafe_fixes: bool,
    /// Print the fixes as a unified diff instead of writing them (exit 1 when there is one).
    #[arg(long)]
    diff: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum HostName {
    Acl,
    Osguard,
    Flatcar,
}

#[derive(Clone, Copy, ValueEnum)]
enum FromHost {
    Acl,
    Osguard,
    Flatcar,
    Ubuntu,
    Azurelinux,
}

#[derive(Clone, Copy, ValueEnum)]
enum CodeIntegrity {
    Off,
    Audit,
    Enforce,
}

/// The ValueEnum's name as written on the command line.
fn arg_name(v: impl ValueEnum) -> String {
    v.to_possible_value()
        .map(|p| p.get_name().to_string())
        .unwrap_or_default()
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
    Sarif,
    Github,
    Junit,
}

#[derive(clap::Args)]
struct ReportArgs {
    /// markdown (a GitHub job summary or PR comment, under 65 536 characters), html (one
    /// self-contained page) or json.
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    format: ReportFormat,
    /// Write the report to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// Where the HTML report will be published: a Markdown summary shortened to fit links to it.
    #[arg(long, value_name = "URL")]
    link: Option<String>,
    #[command(flatten)]
    input: InputArgs,
}

/// `--max-document-size`: bytes, or a number with K, M or G (binary: M is MiB), at least 1 KiB.
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let (digits, shift) = [
        ("gib", 30),
        ("mib", 20),
        ("kib", 10),
        ("g", 30),
        ("m", 20),
        ("k", 10),
    ]
    .iter()
    .find_map(|(suffix, shift)| lower.strip_suffix(suffix).map(|d| (d.trim_end(), *shift)))
    .unwrap_or((lower.as_str(), 0));
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{t}` is no size: a number of bytes, or with K, M or G"))?;
    let bytes = n
        .checked_mul(1 << shift)
        .filter(|b| *b <= usize::MAX as u64)
        .ok_or_else(|| format!("`{t}` is too big"))?;
    if bytes < 1 << 10 {
        return Err(format!("`{t}` is under 1 KiB"));
    }
    Ok(bytes)
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Markdown,
    Html,
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
            out(&text);
            ExitCode::SUCCESS
        }
        Command::Review(args) => review(args),
        Command::Hosts { name } => hosts(name.as_deref()),
        Command::Report(args) => readiness(args),
        #[cfg(feature = "server")]
        Command::Serve(args) => {
            let config = match admission_config(&args.policy) {
                Ok(c) => c,
                Err(code) => return code,
            };
            let options = hostlint::serve::Options {
                listen: args.listen,
                tls_cert: args.tls_cert,
                tls_key: args.tls_key,
                policy: args.policy.policy(),
                config,
                ..hostlint::serve::Options::default()
            };
            match hostlint::serve::run(options) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        #[cfg(not(feature = "server"))]
        Command::Serve { .. } => {
            eprintln!(
                "error: this hostlint is the lean CLI, built without the webhook server; \
                 install it with the `server` feature \
                 (`cargo install --locked --git https://github.com/hostlint/hostlint --tag v{v} --features server hostlint`, \
                 or `--path . --features server` in a checkout) or run the image `ghcr.io/hostlint/hostlint:{v}`",
                v = env!("CARGO_PKG_VERSION")
            );
            ExitCode::from(2)
        }
        Command::Explain { rule } => match hostlint::rules::by_name(&rule) {
            Some(r) => {
                out(&hostlint::report::rules::explain(r));
                out(&hostlint::report::rules::per_host(r));
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("error: {}", unknown_rule(&rule));
                ExitCode::from(2)
            }
        },
    }
}

/// `hostlint hosts`: one line per profile, or one profile's facts with their sources.
fn hosts(name: Option<&str>) -> ExitCode {
    let Some(name) = name else {
        let mut text = String::new();
        for p in hostlint::host::profile::builtin() {
            let role = if p.name == "acl" { " (default)" } else { "" };
            text.push_str(&format!("{:<11} {}{role}\n", p.name, p.description));
        }
        out(&text);
        return ExitCode::SUCCESS;
    };
    let Some(p) = hostlint::host::profile::named(name) else {
        eprintln!("error: {}", hostlint::config::unknown_host(name));
        return ExitCode::from(2);
    };
    let mut text = format!("{} ({}): {}\n", p.name, p.title(), p.description);
    for (key, fact) in &p.facts {
        text.push_str(&format!(
            "  {key}: {}\n      source: {}\n",
            hostlint::host::profile::show(&fact.value),
            fact.source
        ));
    }
    out(&text);
    ExitCode::SUCCESS
}

/// Writes to stdout; a reader that went away (`hostlint rules | head`) is not an error, and never a panic.
fn out(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// "no rule named `x`", with the closest names when there are any.
fn unknown_rule(name: &str) -> String {
    let close = hostlint::report::rules::did_you_mean(name);
    match close.as_slice() {
        [] => format!("no rule named `{name}` (see `hostlint rules`)"),
        names => format!(
            "no rule named `{name}`; did you mean {}? (see `hostlint rules`)",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    }
}

/// The `.hostlint.yaml` to use and its path: `explicit`, else the nearest from `start` up, else
/// the nearest from the current directory up.
/// Errors are printed at their file:line:col and become exit code 2.
fn load_config(
    explicit: Option<&std::path::Path>,
    start: &std::path::Path,
) -> Result<Option<(std::path::PathBuf, hostlint::config::FileConfig)>, ExitCode> {
    // From the linted paths up, so a run gives the same result wherever it is started; else
    // from the current directory up (SPEC), for paths outside the project being worked on.
    let path = explicit
        .map(std::path::Path::to_path_buf)
        .or_else(|| hostlint::config::find_nearest(start))
        .or_else(|| {
            let cwd = std::env::current_dir().ok()?;
            hostlint::config::find_nearest(&cwd)
        });
    let Some(path) = path else { return Ok(None) };
    hostlint::config::load(&path)
        .map(|c| Some((path, c)))
        .map_err(|errors| {
            for e in errors {
                match (e.line, e.column) {
                    (Some(l), Some(c)) => eprintln!("error: {}:{l}:{c}: {}", e.file, e.message),
                    _ => eprintln!("error: {}: {}", e.file, e.message),
                }
            }
            ExitCode::from(2)
        })
}

/// The engine config a `review` or `serve` runs with (rules, exemptions, pools from the config file).
fn admission_config(policy: &PolicyArgs) -> Result<Config, ExitCode> {
    let mut config = Config::default();
    let mut host_config = None;
    let cwd = std::env::current_dir().unwrap_or_default();
    if let Some((_, file)) = load_config(policy.config.as_deref(), &cwd)? {
        config.severities = file.rules;
        config.exemptions = file.exemptions;
        config.vm_sizes = file.vm_sizes;
        config.site = hostlint::host::SiteData {
            selinux_types: file.selinux_types,
            driver_images: file.driver_images,
        };
        config.all_pools = file.all_pools.unwrap_or(false);
        host_config = file.host;
    }
    let mut host_config = host_config.unwrap_or_default();
    if let Some(h) = policy.host {
        host_config.name = Some(arg_name(h));
    }
    match hostlint::config::HostConfig::profile(Some(&host_config), "acl") {
        Ok(p) => config.hosts = hostlint::host::Hosts::new(p),
        Err(e) => {
            eprintln!("error: {e}");
            return Err(ExitCode::from(2));
        }
    }
    Ok(config)
}

fn threshold(fail_on: FailOn) -> Option<Severity> {
    match fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::None => None,
    }
}

/// `hostlint review`: exit 0 when allowed, 1 when denied, 2 when the input is no AdmissionReview.
fn review(args: ReviewArgs) -> ExitCode {
    // Read under the same cap as any input that is parsed whole.
    let cap = hostlint::stream::ReadLimits::default().max_file_bytes;
    let mut body = Vec::new();
    let read = if args.file == "-" {
        std::io::stdin().take(cap + 1).read_to_end(&mut body)
    } else {
        std::fs::File::open(&args.file).and_then(|f| f.take(cap + 1).read_to_end(&mut body))
    };
    if let Err(e) = read {
        eprintln!("error: cannot read {}: {e}", args.file);
        return ExitCode::from(2);
    }
    if body.len() as u64 > cap {
        eprintln!(
            "error: {}: over the {} MiB limit for one input; not read",
            args.file,
            cap >> 20
        );
        return ExitCode::from(2);
    }
    let config = match admission_config(&args.policy) {
        Ok(c) => c,
        Err(code) => return code,
    };
    match hostlint::admission::review(&body, &config, &args.policy.policy()) {
        Ok(r) => {
            out(&(serde_json::to_string_pretty(&r.response).unwrap_or_default() + "\n"));
            if r.outcome == hostlint::admission::Outcome::Denied {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("error: {}: {e}", args.file);
            ExitCode::from(2)
        }
    }
}

/// `--write-baseline FILE`: writes the baseline and says what it holds instead of the report; exit 0,
/// or 2 when it cannot be written or an input could not be read (the baseline then lacks that input's
/// findings, so the errors are printed).
fn write_baseline(path: &std::path::Path, report: &Report) -> ExitCode {
    let baseline = hostlint::baseline::of(report);
    if let Err(e) = std::fs::write(path, hostlint::baseline::render(&baseline)) {
        eprintln!("error: cannot write {}: {e}", path.display());
        return ExitCode::from(2);
    }
    let files: std::collections::BTreeSet<&str> =
        baseline.findings.iter().map(|e| e.file.as_str()).collect();
    let count = |s: Severity| {
        report
            .findings
            .iter()
            .filter(|f| {
                f.severity == s
                    && f.suppressed
                        .as_ref()
                        .is_none_or(|x| x.kind == hostlint::suppress::SuppressionKind::Baseline)
            })
            .count()
    };
    println!(
        "wrote {}: {} finding{} ({} error, {} warning, {} info) in {} file{}; commit it and run with `--baseline {}`",
        path.display(),
        baseline.findings.len(),
        if baseline.findings.len() == 1 {
            ""
        } else {
            "s"
        },
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
        files.len(),
        if files.len() == 1 { "" } else { "s" },
        path.display()
    );
    for e in &report.errors {
        match (e.line, e.column) {
            (Some(l), Some(c)) => eprintln!("error: {}:{l}:{c}: {}", e.file, e.message),
            _ => eprintln!("error: {}: {}", e.file, e.message),
        }
    }
    if report.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

/// Reads and lints `check`'s inputs as its flags say (config, excludes, baseline); `inventory` also
/// records what `report` folds findings into. Usage and config errors are printed: exit code 2.
/// What `check` and `report` linted: the report, and what `--fix` needs to read the inputs again.
struct Linted {
    report: Report,
    inputs: Vec<hostlint::discover::Input>,
    config: Config,
    baseline: Option<hostlint::baseline::Baseline>,
}

fn lint_inputs(args: &InputArgs, inventory: bool) -> Result<Linted, ExitCode> {
    let mut usage_errors = Vec::new();
    for name in args.select.iter().chain(&args.ignore) {
        if hostlint::rules::by_name(name).is_none() {
            usage_errors.push(unknown_rule(name));
        }
    }
    if !usage_errors.is_empty() {
        for e in usage_errors {
            eprintln!("error: {e}");
        }
        return Err(ExitCode::from(2));
    }
    let mut config = Config {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        inventory,
        all_pools: args.all_pools,
        ..Config::default()
    };
    if let Some(n) = args.max_document_size {
        config.limits.max_document_bytes = n as usize;
        config.read.max_file_bytes = n;
        // A YAML stream holds at least one such document.
        config.read.max_stream_bytes = config.read.max_stream_bytes.max(n);
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut options = discover::Options {
        hidden: args.hidden,
        follow: args.follow,
        ..discover::Options::default()
    };
    // A bad glob is a usage error: nothing is linted with a filter that does not work.
    if let Err(e) = options.exclude.add(&cwd, &args.exclude, "--exclude") {
        eprintln!("error: {e}");
        return Err(ExitCode::from(2));
    }
    let start = discover::config_start(&args.paths, &cwd);
    let file = load_config(args.config.as_deref(), &start)?;
    let host_config = file.as_ref().and_then(|(_, f)| f.host.clone());
    if let Some((path, file)) = file {
        config.severities = file.rules;
        config.exemptions = file.exemptions;
        config.vm_sizes = file.vm_sizes;
        config.site = hostlint::host::SiteData {
            selinux_types: file.selinux_types,
            driver_images: file.driver_images,
        };
        config.all_pools |= file.all_pools.unwrap_or(false);
        // The config's globs are relative to the directory that holds it.
        let dir = discover::normalize(&cwd.join(&path));
        let dir = dir.parent().unwrap_or(&cwd);
        let what = format!("{} exclude", path.display());
        if let Err(e) = options.exclude.add(dir, &file.exclude, &what) {
            eprintln!("error: {e}");
            return Err(ExitCode::from(2));
        }
    }
    let baseline = match &args.baseline {
        None => None,
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| hostlint::baseline::parse(&t))
        {
            Ok(b) => Some(b),
            Err(e) => {
                eprintln!("error: {}: {e}", path.display());
                return Err(ExitCode::from(2));
            }
        },
    };
    // The target host: `--host`, else `.hostlint.yaml` `host:`, else ACL; the config's fact
    // overrides and `--code-integrity` applied.
    let mut host_config = host_config.unwrap_or_default();
    if let Some(h) = args.host {
        host_config.name = Some(arg_name(h));
    }
    let mut profile = match hostlint::config::HostConfig::profile(Some(&host_config), "acl") {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(ExitCode::from(2));
        }
    };
    if let Some(ci) = args.code_integrity {
        let value = hostlint::parse::node::Node::scalar(
            arg_name(ci),
            hostlint::parse::node::Style::Plain,
            hostlint::source::Span::default(),
        );
        if let Err(e) = profile.set("code_integrity", &value, "--code-integrity") {
            eprintln!("error: {e}");
            return Err(ExitCode::from(2));
        }
    }
    let target_host = profile.name.clone();
    config.hosts = hostlint::host::Hosts::new(profile);
    let mut stdin = || -> Box<dyn Read + Send> { Box::new(std::io::stdin()) };
    let found = discover::discover(&args.paths, &options, &mut stdin);
    let mut report: Report = lint(&found.inputs, &config);
    if let Some(from) = args.from {
        let from = arg_name(from);
        let Some(source) = hostlint::host::profile::named(&from) else {
            eprintln!("error: {}", hostlint::config::unknown_host(&from));
            return Err(ExitCode::from(2));
        };
        let source_config = Config {
            hosts: hostlint::host::Hosts { active: source },
            ..config.clone()
        };
        let before = lint(&found.inputs, &source_config);
        hostlint::compare(&mut report, &before, &target_host, &from);
    }
    report.errors.extend(found.errors);
    report.skipped.extend(found.skipped);
    report.sort();
    if let Some(b) = &baseline {
        hostlint::baseline::apply(b, &mut report.findings);
    }
    Ok(Linted {
        report,
        inputs: found.inputs,
        config,
        baseline,
    })
}

fn check(args: CheckArgs) -> ExitCode {
    let Linted {
        mut report,
        inputs,
        config,
        baseline,
    } = match lint_inputs(&args.input, false) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if let Some(path) = &args.write_baseline {
        return write_baseline(path, &report);
    }
    let fixes = if args.fix || args.diff {
        let options = hostlint::fix::Options {
            unsafe_fixes: args.unsafe_fixes,
        };
        let fixes = hostlint::fix::run(&inputs, &report.findings, &config, &options);
        if args.diff {
            out(&fixes.diff());
            eprint!("{}", hostlint::fix::summary(&fixes, 0, true));
            return if fixes.changed.is_empty() && report.errors.is_empty() {
                ExitCode::SUCCESS
            } else if report.errors.is_empty() {
                ExitCode::from(1)
            } else {
                ExitCode::from(2)
            };
        }
        for c in &fixes.changed {
            if let Err(e) = std::fs::write(&c.path, &c.after) {
                eprintln!("error: cannot write {}: {e}", c.path.display());
                return ExitCode::from(2);
            }
        }
        if !fixes.changed.is_empty() {
            // The report shows what is left: the changed files' findings are read again.
            report = hostlint::fix::relint(&inputs, report, &fixes, &config);
            if let Some(b) = &baseline {
                // Matched again over the new set (each baseline entry silences one finding).
                for f in &mut report.findings {
                    if f.suppressed
                        .as_ref()
                        .is_some_and(|s| s.kind == hostlint::suppress::SuppressionKind::Baseline)
                    {
                        f.suppressed = None;
                    }
                }
                hostlint::baseline::apply(b, &mut report.findings);
            }
        }
        Some(fixes)
    } else {
        None
    };

    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_terminal
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
        }
    };
    let text = match args.format {
        Format::Human => report::human::render(&report, color),
        Format::Json => report::json::render(&report),
        Format::Sarif => report::sarif::render(&report),
        Format::Github => report::github::render(&report),
        Format::Junit => report::junit::render(&report),
    };
    if args.input.verbose {
        for (file, why) in &report.skipped {
            eprintln!("skipped {file}: {}", why.reason());
        }
        for (file, line, why) in &report.unresolved {
            eprintln!("unresolved {file}:{line}: {why}");
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
    if let Some(fixes) = &fixes {
        let remaining = report.findings.iter().filter(|f| f.counts()).count();
        let summary = hostlint::fix::summary(fixes, remaining, false);
        // Human reports end with the fix summary; machine-readable ones keep stdout to themselves.
        if matches!(args.format, Format::Human) && args.output.is_none() {
            out(&summary);
        } else {
            eprint!("{summary}");
        }
    }
    // Without --fix, a human report ends like ruff's: how many findings `--fix` (and
    // `--unsafe-fixes`) would fix.
    if fixes.is_none() && matches!(args.format, Format::Human) {
        let options = hostlint::fix::Options {
            unsafe_fixes: args.unsafe_fixes,
        };
        if let Some(hint) = hostlint::fix::available(&inputs, &report.findings, &options) {
            if args.output.is_none() {
                out(&hint);
            } else {
                eprint!("{hint}");
            }
        }
    }
    let threshold = match args.input.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::None => None,
    };
    if !report.errors.is_empty() {
        ExitCode::from(2)
    } else if threshold.is_some_and(|t| {
        report
            .findings
            .iter()
            .any(|f| f.counts() && f.severity >= t)
    }) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `hostlint report`: `check`'s inputs and exit codes, the readiness report as output.
fn readiness(args: ReportArgs) -> ExitCode {
    let report = match lint_inputs(&args.input, true) {
        Ok(r) => r.report,
        Err(code) => return code,
    };
    if args.input.verbose {
        for (file, why) in &report.skipped {
            eprintln!("skipped {file}: {}", why.reason());
        }
        for (file, line, why) in &report.unresolved {
            eprintln!("unresolved {file}:{line}: {why}");
        }
    }
    let built = hostlint::readiness::build(&report);
    let text = match args.format {
        ReportFormat::Markdown => hostlint::readiness::markdown::render(
            &built,
            &hostlint::readiness::markdown::Options { link: args.link },
        ),
        ReportFormat::Html => hostlint::readiness::html::render(&built),
        ReportFormat::Json => hostlint::readiness::json::render(&built),
    };
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
    if !report.errors.is_empty() {
        ExitCode::from(2)
    } else if threshold(args.input.fail_on).is_some_and(|t| {
        report
            .findings
            .iter()
            .any(|f| f.counts() && f.severity >= t)
    }) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
