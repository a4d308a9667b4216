//! Infrastructure code read as projects, not files (SPEC: Inputs): the layer between discovery and
//! parsing that groups the inputs which only mean something together.
//!
//! A directory's `*.tf` files are one Terraform module, as `terraform plan` reads them: variables
//! declared in `variables.tf` resolve uses in `main.tf`, `terraform.tfvars` and `*.auto.tfvars`
//! (in that order, later wins) replace the defaults, and calls of modules at local paths
//! (`source = "./modules/aks"`) pass their inputs into the callee, which is then read only
//! through its callers, never on its own with defaults its callers override.
//!
//! A module is read as one *project text*: every file it and its local callees hold, each starting
//! on a fresh line. The Terraform reader works on that text, so a value keeps the place it was
//! written whichever module reads it; [`LineMap`] turns project lines back into files and lines.
//!
//! A directory that Terraform itself would refuse as a module (two files declaring the same
//! variable, resource or module) is read file by file, as before: that is what flat folders of
//! unrelated examples are.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::discover::{Input, Kind, Origin, Skip};
use crate::parse::budget::Budget;
use crate::parse::markdown::Fence;
use crate::parse::terraform;
use crate::source::{FileName, LineIndex, Span};
use crate::stream::{read_capped, read_text_capped};
use crate::{Config, InputError, Report};

/// The cap on a file read only to plan units (its real read, under the run's cap, reports it).
fn peek_cap() -> u64 {
    crate::stream::ReadLimits::default().max_file_bytes
}

/// What the run lints, one unit at a time (units are linted in parallel).
#[derive(Debug)]
pub enum Unit {
    /// One input on its own (index into the inputs).
    Input(usize),
    /// A directory read as a Terraform root module; `inputs` are the inputs it holds.
    Terraform { dir: PathBuf, inputs: Vec<usize> },
    /// An input read as part of another unit: a module directory a root module calls (read
    /// through that call only), a parameter file (read with its template).
    Consumed(usize),
    /// An ARM template or Bicep file (index into the inputs) deployed with each of its parameter
    /// files (`*.parameters.json` with the deploymentParameters schema, `*.bicepparam` whose
    /// `using` names it).
    Template {
        input: usize,
        params: Vec<PathBuf>,
        deployments: Vec<ScriptDeployment>,
    },
}

/// An `az deployment … create` of a template in the inputs, by a script in the inputs.
#[derive(Debug)]
pub struct ScriptDeployment {
    /// The script's name and its shell text (a Markdown file's shell fences, at their positions).
    pub script: FileName,
    pub text: String,
    /// The directory parameter files are looked up in first (then the working directory).
    pub dir: PathBuf,
    pub deployment: crate::parse::azcli::Deployment,
}

/// Groups the inputs into units. Only Terraform files on disk are grouped; everything else is
/// one unit per input, in input order.
pub fn plan(inputs: &[Input]) -> Vec<Unit> {
    let mut dirs: BTreeMap<PathBuf, Vec<usize>> = BTreeMap::new();
    let mut templates: Vec<(usize, PathBuf)> = Vec::new();
    let mut scripts: Vec<ScriptDeployment> = Vec::new();
    let mut units = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        if let (Origin::File(p), Some(k @ (Kind::Shell | Kind::Markdown))) =
            (&input.origin, input.kind)
        {
            scripts.extend(script_deployments(&input.name, p, k));
        }
        match (&input.origin, input.kind) {
            (Origin::File(p), Some(Kind::Terraform)) if is_tf(p) => {
                dirs.entry(dir_of(p)).or_default().push(i);
            }
            (Origin::File(p), Some(Kind::Json | Kind::Bicep)) if has_ext(p, &["json", "bicep"]) => {
                templates.push((i, p.clone()));
            }
            _ => units.push(Unit::Input(i)),
        }
    }
    units.extend(plan_templates(templates, scripts));
    if dirs.is_empty() {
        return units;
    }
    let mut modules = Vec::new();
    let mut called: BTreeSet<PathBuf> = BTreeSet::new();
    for (dir, members) in dirs {
        let files = tf_files(&dir);
        let texts: Vec<String> = files
            .iter()
            .filter_map(|f| read_text_capped(f, peek_cap()).ok())
            .collect();
        if has_duplicate_declarations(&texts) {
            units.extend(members.into_iter().map(Unit::Input));
            continue;
        }
        for t in &texts {
            for src in local_sources(t) {
                if let Some(d) = canonical(&dir.join(&src)) {
                    called.insert(d);
                }
            }
        }
        modules.push((dir, members));
    }
    for (dir, members) in modules {
        if canonical(&dir).is_some_and(|d| called.contains(&d)) {
            units.extend(members.into_iter().map(Unit::Consumed));
        } else {
            units.push(Unit::Terraform {
                dir,
                inputs: members,
            });
        }
    }
    units
}

/// Pairs templates with the parameter files beside them that name them; every other JSON or
/// Bicep input is a unit of its own. Directories are listed once each, and only those holding a
/// JSON or Bicep input.
/// The template deployments a script makes (none unless it runs `az deployment … create`).
fn script_deployments(name: &FileName, path: &Path, kind: Kind) -> Vec<ScriptDeployment> {
    let Ok(text) = read_text_capped(path, peek_cap()) else {
        return Vec::new();
    };
    if !text.contains("deployment") {
        return Vec::new();
    }
    let text = if kind == Kind::Markdown {
        crate::parse::azcli::markdown_script(&text)
    } else {
        text
    };
    crate::parse::azcli::deployments(&text)
        .into_iter()
        .map(|deployment| ScriptDeployment {
            script: name.clone(),
            text: text.clone(),
            dir: dir_of(path),
            deployment,
        })
        .collect()
}

/// A file a script names: beside the script, else from the working directory (where CI runs it).
fn script_file(dir: &Path, file: &str) -> Option<PathBuf> {
    [dir.join(file), PathBuf::from(file)]
        .into_iter()
        .find(|p| p.is_file())
}

fn plan_templates(templates: Vec<(usize, PathBuf)>, scripts: Vec<ScriptDeployment>) -> Vec<Unit> {
    let mut by_path: HashMap<PathBuf, usize> = HashMap::new();
    let mut dirs: BTreeSet<PathBuf> = BTreeSet::new();
    for (i, p) in &templates {
        dirs.insert(dir_of(p));
        if let Ok(c) = std::fs::canonicalize(p) {
            by_path.insert(c, *i);
        }
    }
    let mut params: BTreeMap<usize, Vec<PathBuf>> = BTreeMap::new();
    let mut param_files: BTreeSet<PathBuf> = BTreeSet::new();
    for dir in dirs {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            let Some(template) = param_target(&p) else {
                continue;
            };
            let Some(&i) = std::fs::canonicalize(&template)
                .ok()
                .and_then(|c| by_path.get(&c))
            else {
                continue;
            };
            if let Ok(c) = std::fs::canonicalize(&p) {
                param_files.insert(c);
            }
            params.entry(i).or_default().push(p);
        }
    }
    let mut deployed: BTreeMap<usize, Vec<ScriptDeployment>> = BTreeMap::new();
    for d in scripts {
        if let Some(&i) = script_file(&d.dir, &d.deployment.template)
            .and_then(|p| std::fs::canonicalize(p).ok())
            .and_then(|c| by_path.get(&c))
        {
            deployed.entry(i).or_default().push(d);
        }
    }
    templates
        .into_iter()
        .map(|(i, p)| {
            let ps = params.remove(&i).unwrap_or_default();
            let ds = deployed.remove(&i).unwrap_or_default();
            if std::fs::canonicalize(&p).is_ok_and(|c| param_files.contains(&c)) {
                Unit::Consumed(i)
            } else if !ps.is_empty() || !ds.is_empty() {
                Unit::Template {
                    input: i,
                    params: ps,
                    deployments: ds,
                }
            } else {
                Unit::Input(i)
            }
        })
        .collect()
}

/// The template a parameter file applies to: `*.bicepparam` names it in `using '...'`; an ARM
/// parameter file (`$schema` …deploymentParameters…) `X.parameters.json` or
/// `X.parameters.<env>.json` applies to `X.json`, or to `X.bicep` (azd's `main.parameters.json`).
fn param_target(p: &Path) -> Option<PathBuf> {
    let name = p.file_name()?.to_str()?;
    let dir = dir_of(p);
    if name.ends_with(".bicepparam") {
        let text = read_text_capped(p, peek_cap()).ok()?;
        let using = text.lines().find_map(|l| {
            let rest = l.trim_start().strip_prefix("using")?.trim_start();
            let rest = rest.strip_prefix('\'')?;
            Some(rest[..rest.find('\'')?].to_string())
        })?;
        return Some(dir.join(using));
    }
    let lower = name.to_ascii_lowercase();
    let at = lower.find(".parameters.")?;
    if !lower.ends_with(".json") {
        return None;
    }
    let mut head = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::fs::File::open(p).ok()?, 1024),
        &mut head,
    )
    .ok()?;
    let head = String::from_utf8_lossy(&head);
    if !head.contains("deploymentParameters") {
        return None;
    }
    let stem = &name[..at];
    let json = dir.join(format!("{stem}.json"));
    if json.is_file() {
        return Some(json);
    }
    Some(dir.join(format!("{stem}.bicep")))
}

fn has_ext(p: &Path, exts: &[&str]) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| exts.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

fn is_tf(p: &Path) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case("tf"))
}

fn dir_of(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn canonical(p: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(p).ok().filter(|p| p.is_dir())
}

/// A directory's `*.tf` files, sorted by name (Terraform reads them in that order).
fn tf_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| is_tf(p) && p.is_file())
        .collect();
    v.sort();
    v
}

/// `terraform.tfvars`, then `*.auto.tfvars` by name: the variable files Terraform loads itself.
fn tfvars_files(dir: &Path) -> Vec<PathBuf> {
    let mut auto: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".auto.tfvars"))
                && p.is_file()
        })
        .collect();
    auto.sort();
    let main = dir.join("terraform.tfvars");
    main.is_file()
        .then_some(main)
        .into_iter()
        .chain(auto)
        .collect()
}

/// The top-level declarations of a file (`variable "x"`, `resource "a" "b"`, ...), as `terraform
/// fmt` writes them: at the start of a line.
fn declarations(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter_map(|l| {
        let head = l.split('{').next()?.trim_end();
        let kw = head.split_whitespace().next()?;
        matches!(kw, "variable" | "resource" | "module" | "data" | "output")
            .then_some(head)
            .filter(|h| h.contains('"'))
    })
}

/// Whether two files declare the same thing (Terraform refuses such a directory as a module).
fn has_duplicate_declarations(texts: &[String]) -> bool {
    let mut seen = std::collections::HashSet::new();
    for t in texts {
        for d in declarations(t) {
            let key: String = d.split_whitespace().collect::<Vec<_>>().join(" ");
            if !seen.insert(key) {
                return true;
            }
        }
    }
    false
}

/// The local paths modules are called from (`source = "./x"`, `source = "../x"`).
fn local_sources(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let rest = l.trim_start().strip_prefix("source")?.trim_start();
            let v = rest.strip_prefix('=')?.trim().strip_prefix('"')?;
            let v = &v[..v.find('"')?];
            (v.starts_with("./") || v.starts_with("../")).then(|| v.to_string())
        })
        .collect()
}

/// Project lines back to files: each file's first project line and first byte.
pub struct LineMap {
    files: Vec<(u32, FileName)>,
}

impl LineMap {
    /// The file and its own line of project line `line`.
    pub fn locate(&self, line: u32) -> Option<(&FileName, u32)> {
        let i = self.files.partition_point(|(first, _)| *first <= line);
        let (first, name) = self.files.get(i.checked_sub(1)?)?;
        Some((name, line - first + 1))
    }

    fn span(&self, span: Span) -> Option<(&FileName, Span)> {
        let (name, start) = self.locate(span.start.line)?;
        let mut s = span;
        let delta = span.start.line - start;
        s.start.line = start;
        s.end.line = s.end.line.saturating_sub(delta).max(start);
        Some((name, s))
    }
}

/// The text of a project: files appended one after another, each from a fresh line.
#[derive(Default)]
struct ProjectText {
    text: String,
    /// (first line, name) of each file.
    files: Vec<(u32, FileName)>,
    lines: u32,
}

impl ProjectText {
    /// Appends a file; its byte range in the text.
    fn push(&mut self, name: FileName, text: &str) -> Range<usize> {
        let start = self.text.len();
        self.files.push((self.lines + 1, name));
        self.text.push_str(text);
        if !text.ends_with('\n') {
            self.text.push('\n');
        }
        self.lines += memchr::memchr_iter(b'\n', &self.text.as_bytes()[start..]).count() as u32;
        start..self.text.len()
    }
}

/// The display name of a file read beside an input: the input's name with the file name swapped.
fn name_beside(dir_name: &Path, path: &Path) -> FileName {
    let file = path.file_name().map(PathBuf::from).unwrap_or_default();
    Arc::from(dir_name.join(file).display().to_string())
}

/// A directory's files with their display names. A file over `cap` bytes is refused unread (an
/// input error in `refused`); the rest of the module is still read.
fn load(
    paths: Vec<PathBuf>,
    dir_name: &Path,
    cap: u64,
    refused: &mut Vec<InputError>,
) -> Vec<(FileName, String)> {
    let mut out = Vec::new();
    for p in paths {
        let name = name_beside(dir_name, &p);
        match read_capped(&p, cap) {
            Ok(b) => out.extend(String::from_utf8(b).ok().map(|t| (name, t))),
            Err(m) => refused.push(InputError::whole(&name, m)),
        }
    }
    out
}

/// Lints one Terraform root module and the local modules it calls.
pub fn lint_terraform(dir: &Path, members: &[usize], inputs: &[Input], config: &Config) -> Report {
    let mut report = Report {
        files: members.len(),
        ..Report::default()
    };
    // Display names follow the inputs' (`infra/main.tf` → `infra/variables.tf`).
    let dir_name = inputs
        .get(members[0])
        .map(|i| dir_of(Path::new(&*i.name)))
        .unwrap_or_else(|| dir.to_path_buf());
    // Files that do not parse are reported and left out, so the rest of the module is still read.
    let mut bad: BTreeSet<FileName> = BTreeSet::new();
    loop {
        let budget = Budget::new(&config.limits);
        let mut refused = Vec::new();
        let read = read_project(
            dir,
            &dir_name,
            &bad,
            &budget,
            config.read.max_file_bytes,
            &mut refused,
        );
        for e in refused {
            if !report.errors.contains(&e) {
                report.errors.push(e);
            }
        }
        match read {
            Ok((clusters, map, text, errors)) => {
                for e in errors.into_iter().chain(budget.take_cuts()) {
                    push_error(&mut report, &map, e);
                }
                report.objects += clusters.len();
                lint_mapped(&clusters, &map, &text, config, &mut report);
                break;
            }
            Err((map, e)) => {
                let file = map.locate(e.pos.line).map(|(f, _)| f.clone());
                push_error(&mut report, &map, e);
                match file {
                    Some(f) if bad.insert(f.clone()) => continue,
                    _ => break,
                }
            }
        }
    }
    if report.objects == 0 && report.errors.is_empty() {
        for &i in members {
            if let Some(input) = inputs.get(i) {
                report.skipped.push((input.name.clone(), Skip::NoObjects));
            }
        }
    }
    report
}

/// Runs the rules over clusters read from a project text and reports each finding in the file
/// its value was written in (notes on other files name them). A finding already reported (the
/// same template literal in two deployments) is reported once.
fn lint_mapped(
    clusters: &[crate::model::nodepool::Cluster],
    map: &LineMap,
    text: &str,
    config: &Config,
    report: &mut Report,
) {
    let lines = crate::DocLines::new(text, 1);
    let mut part = Report::default();
    let name: FileName = Arc::from("");
    crate::lint_clusters(&name, clusters, &lines, None, config, &mut part);
    let inventory = std::mem::take(&mut part.inventory);
    report
        .inventory
        .extend_mapped(inventory, |l| map.locate(l).map(|(f, l)| (f.clone(), l)));
    for (_, line, why) in part.unresolved {
        if let Some((file, l)) = map.locate(line) {
            let u = (file.clone(), l, why);
            if !report.unresolved.contains(&u) {
                report.unresolved.push(u);
            }
        }
    }
    for mut f in part.findings {
        let Some((file, span)) = map.span(f.span) else {
            continue;
        };
        // The fix's spans move with the finding; one in another file than the finding's is unusable.
        if let Some(e) = &mut f.edit
            && !e.map_spans(|s| map.span(s).filter(|(g, _)| *g == file).map(|(_, s)| s))
        {
            f.edit = None;
        }
        f.file = file.clone();
        f.span = span;
        if let Some((l, s)) = f.snippet.take()
            && let Some((_, local)) = map.locate(l)
        {
            f.snippet = Some((local, s));
        }
        for n in &mut f.notes {
            let Some((nf, nl)) = n.line.and_then(|l| map.locate(l)) else {
                continue;
            };
            if *nf == f.file {
                n.line = Some(nl);
            } else {
                n.line = None;
                n.message = format!("{} ({nf}:{nl})", n.message);
            }
        }
        let dup = report.findings.iter().any(|g| {
            (g.rule, &g.file, g.span, &g.message) == (f.rule, &f.file, f.span, &f.message)
        });
        if !dup {
            report.findings.push(f);
        }
    }
}

/// Lints a template once per parameter file, each finding where its value is written: in the
/// template, or in the parameter file that sets it.
pub fn lint_template(
    input: &Input,
    params: &[PathBuf],
    deployments: &[ScriptDeployment],
    config: &Config,
) -> Report {
    let mut report = Report {
        files: 1,
        ..Report::default()
    };
    let Origin::File(path) = &input.origin else {
        return report;
    };
    let text = match read_capped(path, config.read.max_file_bytes) {
        Ok(b) => match crate::decode_bom(&b).map(|b| String::from_utf8_lossy(b).into_owned()) {
            Ok(t) => t,
            Err(m) => {
                report.errors.push(InputError::at(
                    &input.name,
                    crate::source::Pos::new(1, 1),
                    m,
                ));
                return report;
            }
        },
        Err(e) => {
            report.errors.push(InputError::whole(&input.name, e));
            return report;
        }
    };
    let dir_name = dir_of(Path::new(&*input.name));
    let bicep = input.kind == Some(Kind::Bicep);
    let template_root = if bicep {
        None
    } else {
        match crate::parse::json::parse(&text, &config.limits) {
            Ok(r) => Some(r),
            Err(e) => {
                report
                    .errors
                    .push(InputError::at(&input.name, e.pos, e.message));
                return report;
            }
        }
    };
    for p in params {
        let pname = name_beside(&dir_name, p);
        let ptext = match read_text_capped(p, config.read.max_file_bytes) {
            Ok(t) => t,
            Err(e) => {
                report.errors.push(InputError::whole(&pname, e));
                continue;
            }
        };
        let mut pt = ProjectText::default();
        pt.push(input.name.clone(), &text);
        let first = pt.lines + 1;
        pt.push(pname.clone(), &ptext);
        let map = LineMap {
            files: pt.files.clone(),
        };
        let budget = Budget::new(&config.limits);
        let bicepparam = p.extension().is_some_and(|e| e == "bicepparam");
        let clusters = match &template_root {
            // A `.bicepparam`'s `param x = value` lines, read after the template's, replace its
            // defaults; its `using` line is not a declaration.
            None if bicepparam => crate::parse::bicep::read(&pt.text, &budget),
            // An ARM parameter file beside a Bicep template (`main.parameters.json`, as azd and
            // `az deployment --parameters @file` use it): its values replace the defaults, each
            // read where the parameter file writes it.
            None => json_param_values(&ptext, first, &config.limits).and_then(|values| {
                crate::parse::bicep::read_with_values(&pt.text, text.len(), &[], &values, &budget)
            }),
            Some(root) => {
                let padded = Fence {
                    kind: Kind::Json,
                    tag: String::new(),
                    first_line: first,
                    content: &ptext,
                }
                .padded();
                crate::parse::json::parse(&padded, &config.limits).map(|args| {
                    let none = crate::parse::node::Node::scalar(
                        "",
                        crate::parse::node::Style::Plain,
                        Span::default(),
                    );
                    let args = crate::model::nodepool::props_ci(&args, "parameters")
                        .map_or(&none, |a| a.1);
                    crate::parse::arm::template_clusters_with(root, args, &budget)
                })
            }
        };
        match clusters {
            Ok(clusters) => {
                report.objects += clusters.len();
                lint_mapped(&clusters, &map, &pt.text, config, &mut report);
            }
            Err(e) => push_error(&mut report, &map, e),
        }
        for e in budget.take_cuts() {
            push_error(&mut report, &map, e);
        }
    }
    for d in deployments {
        lint_script_deployment(input, &text, template_root.as_ref(), d, config, &mut report);
    }
    if report.objects == 0 && report.errors.is_empty() {
        report.skipped.push((input.name.clone(), Skip::NoObjects));
    }
    report
}

/// The parameters an ARM parameter file sets (`{"parameters": {"x": {"value": ...}}}`), each read
/// with the positions it has when the file's text starts at line `first` of a project text.
fn json_param_values(
    ptext: &str,
    first: u32,
    limits: &crate::parse::Limits,
) -> Result<Vec<(String, crate::parse::node::Node)>, crate::parse::ParseError> {
    let padded = Fence {
        kind: Kind::Json,
        tag: String::new(),
        first_line: first,
        content: ptext,
    }
    .padded();
    let root = crate::parse::json::parse(&padded, limits)?;
    Ok(crate::model::nodepool::props_ci(&root, "parameters")
        .and_then(|(_, ps)| ps.as_map())
        .unwrap_or(&[])
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.clone())))
        .collect())
}

/// A template as a script deploys it: its parameter files, then its `key=value` parameters (later
/// wins, as az applies them); a finding from an inline value points into the script.
fn lint_script_deployment(
    input: &Input,
    text: &str,
    template_root: Option<&crate::parse::node::Node>,
    d: &ScriptDeployment,
    config: &Config,
    report: &mut Report,
) {
    use crate::parse::azcli::DeployParam;
    use crate::parse::node::{Node, Style, Value};
    let mut pt = ProjectText::default();
    pt.push(input.name.clone(), text);
    let script_dir_name = dir_of(Path::new(&*d.script));
    // Parameter files the deployment names, read as the template's kind reads them.
    let mut files: Vec<(u32, Range<usize>, String)> = Vec::new();
    // A Bicep template is read with `.bicepparam` files, lexed after it as Bicep, and with ARM
    // parameter files, whose values are applied (read after everything Bicep).
    let mut json_files: Vec<(FileName, String)> = Vec::new();
    for p in &d.deployment.params {
        let DeployParam::File(f) = p else { continue };
        let Some(path) = script_file(&d.dir, f) else {
            continue;
        };
        let ptext = match read_text_capped(&path, config.read.max_file_bytes) {
            Ok(t) => t,
            Err(e) => {
                let e = InputError::whole(&name_beside(&script_dir_name, Path::new(f)), e);
                if !report.errors.contains(&e) {
                    report.errors.push(e);
                }
                continue;
            }
        };
        // Named as the script names it, from the script's directory.
        let name: FileName = Arc::from(normalize(&script_dir_name.join(f)).display().to_string());
        if template_root.is_none() && !f.ends_with(".bicepparam") {
            // Only a deploymentParameters file (`@main.json` is sometimes the compiled template).
            let head: String = ptext.chars().take(512).collect();
            if head.contains("deploymentParameters") {
                json_files.push((name, ptext));
            }
            continue;
        }
        let first = pt.lines + 1;
        let range = pt.push(name, &ptext);
        files.push((first, range, ptext));
    }
    let lex_to = pt.text.len();
    let mut values = Vec::new();
    for (name, ptext) in &json_files {
        let first = pt.lines + 1;
        pt.push(name.clone(), ptext);
        if let Ok(v) = json_param_values(ptext, first, &config.limits) {
            values.extend(v);
        }
    }
    let base = pt.text.len();
    pt.push(d.script.clone(), &d.text);
    let inline: Vec<(String, usize, usize)> = d
        .deployment
        .params
        .iter()
        .filter_map(|p| match p {
            DeployParam::Inline(k, _, s, e) => Some((k.clone(), base + s, base + e)),
            DeployParam::File(_) => None,
        })
        .collect();
    let map = LineMap {
        files: pt.files.clone(),
    };
    let budget = Budget::new(&config.limits);
    let clusters = match template_root {
        None => crate::parse::bicep::read_with_values(&pt.text, lex_to, &inline, &values, &budget),
        Some(root) => {
            let idx = LineIndex::new(&pt.text);
            let mut args: Vec<(Node, Node)> = Vec::new();
            let mut set = |k: Node, v: Node| {
                let key = k.as_str().unwrap_or("").to_ascii_lowercase();
                args.retain(|(k0, _)| k0.as_str().unwrap_or("").to_ascii_lowercase() != key);
                args.push((k, v));
            };
            for (first, _, ptext) in &files {
                let padded = Fence {
                    kind: Kind::Json,
                    tag: String::new(),
                    first_line: *first,
                    content: ptext,
                }
                .padded();
                if let Ok(n) = crate::parse::json::parse(&padded, &config.limits)
                    && let Some((_, ps)) = crate::model::nodepool::props_ci(&n, "parameters")
                {
                    for (k, v) in ps.as_map().unwrap_or(&[]) {
                        set(k.clone(), v.clone());
                    }
                }
            }
            for (k, s, e) in &inline {
                let span = idx.span(*s, *e);
                let value = Node::scalar(&pt.text[*s..*e], Style::Plain, span);
                let key = Node::scalar("value", Style::Plain, span);
                set(
                    Node::scalar(k.as_str(), Style::Plain, span),
                    Node {
                        value: Value::Map(vec![(key, value)]),
                        span,
                        via: None,
                    },
                );
            }
            let args = Node {
                value: Value::Map(args),
                span: Span::default(),
                via: None,
            };
            Ok(crate::parse::arm::template_clusters_with(
                root, &args, &budget,
            ))
        }
    };
    match clusters {
        Ok(clusters) => {
            report.objects += clusters.len();
            lint_mapped(&clusters, &map, &pt.text, config, report);
        }
        Err(e) => push_error(report, &map, e),
    }
    for e in budget.take_cuts() {
        push_error(report, &map, e);
    }
}

fn push_error(report: &mut Report, map: &LineMap, e: crate::parse::ParseError) {
    let err = match map.locate(e.pos.line) {
        Some((f, line)) => InputError::at(f, crate::source::Pos::new(line, e.pos.col), e.message),
        None => InputError::whole("terraform", e.message),
    };
    if !report.errors.contains(&err) {
        report.errors.push(err);
    }
}

type Read = (
    Vec<crate::model::nodepool::Cluster>,
    LineMap,
    String,
    Vec<crate::parse::ParseError>,
);

/// Reads a root module and every local module it calls (transitively) into one project text,
/// then evaluates the root.
fn read_project(
    dir: &Path,
    dir_name: &Path,
    bad: &BTreeSet<FileName>,
    budget: &Budget,
    cap: u64,
    refused: &mut Vec<InputError>,
) -> Result<Read, (LineMap, crate::parse::ParseError)> {
    let mut pt = ProjectText::default();
    // Module directory (canonical) → its range in the project text.
    let mut ranges: HashMap<PathBuf, Range<usize>> = HashMap::new();
    // (caller range start, source) → callee directory.
    let mut calls: HashMap<(usize, String), PathBuf> = HashMap::new();
    let mut queue = vec![(dir.to_path_buf(), dir_name.to_path_buf(), true)];
    let mut root = None;
    let mut tfvars = Vec::new();
    while let Some((d, d_name, is_root)) = queue.pop() {
        let Some(key) = canonical(&d) else { continue };
        if ranges.contains_key(&key) || ranges.len() >= 64 {
            continue;
        }
        let start = pt.text.len();
        let mut sources = Vec::new();
        for (name, text) in &load(tf_files(&d), &d_name, cap, refused) {
            if bad.contains(name) {
                continue;
            }
            pt.push(name.clone(), text);
            sources.extend(local_sources(text));
        }
        let range = start..pt.text.len();
        if is_root {
            root = Some(range.clone());
            // Variable files only apply to the root module, each parsed on its own.
            for (name, text) in &load(tfvars_files(&d), &d_name, cap, refused) {
                if !bad.contains(name) {
                    tfvars.push(pt.push(name.clone(), text));
                }
            }
        }
        for src in sources {
            let callee = d.join(&src);
            let callee_name = d_name.join(&src);
            if let Some(c) = canonical(&callee) {
                calls.insert((start, src), c);
                queue.push((callee, normalize(&callee_name), false));
            }
        }
        ranges.insert(key, range);
    }
    let map = LineMap {
        files: pt.files.clone(),
    };
    let Some(root) = root else {
        return Ok((Vec::new(), map, String::new(), Vec::new()));
    };
    let text = pt.text;
    let idx = LineIndex::new(&text);
    let resolve = |caller: &Range<usize>, src: &str| -> Option<Range<usize>> {
        let d = calls.get(&(caller.start, src.to_string()))?;
        ranges.get(d).cloned().filter(|r| !r.is_empty())
    };
    let errors = std::cell::RefCell::new(Vec::new());
    let module = terraform::Module {
        idx: &idx,
        text: &text,
        range: root,
        tfvars,
        inputs: HashMap::new(),
        resolve: &resolve,
        depth: 0,
        errors: &errors,
        budget,
    };
    match terraform::read_module(&module) {
        Ok(clusters) => {
            let errors = errors.into_inner();
            drop(idx);
            Ok((clusters, map, text, errors))
        }
        Err(e) => Err((map, e)),
    }
}

/// `a/./b/../c` → `a/c`, for display names of called modules.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir
                if out
                    .components()
                    .next_back()
                    .is_some_and(|l| matches!(l, std::path::Component::Normal(_))) =>
            {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Lints the fences of a Markdown file that hold JSON, YAML, Bicep or Terraform as what they hold,
/// at the Markdown file's lines and columns. A fence that does not parse is a snippet, not an input:
/// it is listed as skipped (with why, for `--verbose`), never an input error.
/// A JSON fence that shows one ARM resource of a cluster or pool (`{"type":
/// "Microsoft.ContainerService/managedClusters", "properties": …}`, as docs show the part of a
/// template that matters) is read as a template holding that resource; anything else as it is.
fn resource_as_template(root: crate::parse::node::Node) -> crate::parse::node::Node {
    use crate::model::nodepool::props_ci;
    use crate::parse::arm::{AGENT_POOLS, MANAGED_CLUSTERS};
    use crate::parse::node::{Node, Style, Value};
    let aks = props_ci(&root, "type")
        .and_then(|(_, t)| t.as_str())
        .is_some_and(|t| {
            t.eq_ignore_ascii_case(MANAGED_CLUSTERS) || t.eq_ignore_ascii_case(AGENT_POOLS)
        });
    if !aks || props_ci(&root, "resources").is_some() || props_ci(&root, "properties").is_none() {
        return root;
    }
    let span = root.span;
    Node {
        value: Value::Map(vec![(
            Node::scalar("resources", Style::DoubleQuoted, span),
            Node {
                value: Value::Seq(vec![root]),
                span,
                via: None,
            },
        )]),
        span,
        via: None,
    }
}

pub fn lint_markdown_fences(name: &FileName, text: &str, config: &Config, report: &mut Report) {
    use crate::parse::markdown::fences;
    for fence in fences(text) {
        let mut part = Report::default();
        let budget = Budget::new(&config.limits);
        match fence.kind {
            Kind::Yaml => {
                for mut chunk in crate::parse::yaml::split(fence.content.as_bytes()) {
                    chunk.first_line += fence.first_line - 1;
                    crate::lint_yaml_chunk(name, chunk, config, &budget, &mut part);
                }
            }
            Kind::Json => {
                let padded = fence.padded();
                match crate::parse::json::parse(&padded, &config.limits) {
                    Ok(root) => {
                        let root = resource_as_template(root);
                        crate::lint_tree(name, &root, &padded, 1, None, config, &budget, &mut part)
                    }
                    Err(e) => part.errors.push(InputError::at(name, e.pos, e.message)),
                }
            }
            Kind::Bicep | Kind::Terraform => {
                let padded = fence.padded();
                match crate::parse::pools::read(fence.kind, &padded, &budget) {
                    Ok(clusters) => {
                        part.objects += clusters.len();
                        let lines = crate::DocLines::new(&padded, 1);
                        crate::lint_clusters(name, &clusters, &lines, None, config, &mut part);
                    }
                    Err(e) => part.errors.push(InputError::at(name, e.pos, e.message)),
                }
            }
            Kind::Shell | Kind::Markdown | Kind::TerraformJson | Kind::BicepParams => {}
        }
        crate::report_cuts(name, &budget, &mut part);
        for e in part.errors.drain(..) {
            let at = e.line.map(|l| format!("line {l}: ")).unwrap_or_default();
            part.skipped.push((
                name.clone(),
                Skip::Fence(format!("{at}`{}` fence not read: {}", fence.tag, e.message)),
            ));
        }
        report.absorb(part);
    }
}

/// Findings of one reading of a cluster under assumed conditions (`report.findings[at..]`): one
/// that an earlier reading (`from..at`) already reported is dropped, and the conditions it needs
/// become those both readings share; the others are tracked with this reading's conditions.
pub fn track_assumptions(
    report: &mut Report,
    from: usize,
    at: usize,
    assumes: &[(String, bool)],
    tracked: &mut Vec<(usize, Vec<(String, bool)>)>,
) {
    let mut i = at;
    while i < report.findings.len() {
        let f = &report.findings[i];
        let same =
            |g: &crate::Finding| (g.rule, g.span, &g.message) == (f.rule, f.span, &f.message);
        if let Some(j) = (from..at).find(|&j| same(&report.findings[j])) {
            if let Some((_, conds)) = tracked.iter_mut().find(|(k, _)| *k == j) {
                conds.retain(|c| assumes.contains(c));
            }
            report.findings.remove(i);
            continue;
        }
        tracked.push((i, assumes.to_vec()));
        i += 1;
    }
}

/// Says on each tracked finding which conditions it needs (none: it holds in every branch).
pub fn note_assumptions(report: &mut Report, tracked: &[(usize, Vec<(String, bool)>)]) {
    for (i, conds) in tracked {
        if conds.is_empty() {
            continue;
        }
        let when: Vec<String> = conds.iter().map(|(c, b)| format!("`{c}` is {b}")).collect();
        if let Some(f) = report.findings.get_mut(*i) {
            f.notes.push(crate::rules::Note {
                line: None,
                message: format!(
                    "only when {} (not known before deployment; every branch is checked)",
                    when.join(" and ")
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_and_sources() {
        let t = "variable \"a\" {\n  default = 1\n}\nmodule \"m\" {\n  source = \"./mod\"\n}\nresource \"x\" \"y\" {}\n";
        assert_eq!(
            declarations(t).collect::<Vec<_>>(),
            vec!["variable \"a\"", "module \"m\"", "resource \"x\" \"y\""]
        );
        assert_eq!(local_sources(t), vec!["./mod"]);
        assert!(has_duplicate_declarations(&[
            t.into(),
            "variable \"a\" {}".into()
        ]));
        assert!(!has_duplicate_declarations(&[
            t.into(),
            "variable \"b\" {}".into()
        ]));
    }

    #[test]
    fn lines_map_back_to_files() {
        let mut pt = ProjectText::default();
        pt.push(Arc::from("a.tf"), "1\n2\n");
        pt.push(Arc::from("b.tf"), "1\n2\n3");
        let map = LineMap { files: pt.files };
        assert_eq!(map.locate(2), Some((&Arc::from("a.tf"), 2)));
        assert_eq!(map.locate(3), Some((&Arc::from("b.tf"), 1)));
        assert_eq!(map.locate(5), Some((&Arc::from("b.tf"), 3)));
        assert_eq!(normalize(Path::new("x/./m/../n")), PathBuf::from("x/n"));
    }
}
