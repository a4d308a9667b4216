//! Which inputs to lint: files, directories (recursive, honouring `.gitignore` and hidden files the
//! way ripgrep does), and stdin; each input's kind by extension first, then by content.
//!
//! Nothing is dropped in silence: what a walk passes over that could have been an input (a Helm chart's
//! templates, a FIFO, a symbolic link it does not follow) is returned as skipped, with why.

use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::InputError;
use crate::source::FileName;

/// What an input is read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Yaml,
    Json,
    Bicep,
    /// `*.bicepparam`: the parameters of the Bicep file its `using` names.
    BicepParams,
    Terraform,
    /// `*.tf.json`: Terraform's JSON syntax.
    TerraformJson,
    Shell,
    Markdown,
}

impl Kind {
    /// The kind a file name says, if any.
    pub fn from_path(path: &Path) -> Option<Kind> {
        let name = path.file_name()?.as_encoded_bytes().to_ascii_lowercase();
        if name.ends_with(b".tf.json") {
            return Some(Kind::TerraformJson);
        }
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "yaml" | "yml" => Kind::Yaml,
            "json" => Kind::Json,
            "bicep" => Kind::Bicep,
            "bicepparam" => Kind::BicepParams,
            "tf" => Kind::Terraform,
            "sh" | "bash" | "azcli" => Kind::Shell,
            "md" | "markdown" => Kind::Markdown,
            _ => return None,
        })
    }

    /// The kind's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Yaml => "YAML",
            Kind::Json => "JSON",
            Kind::Bicep => "Bicep",
            Kind::BicepParams => "Bicep parameters",
            Kind::Terraform => "Terraform",
            Kind::TerraformJson => "Terraform JSON",
            Kind::Shell => "shell",
            Kind::Markdown => "Markdown",
        }
    }

    /// The kind of a text whose name says nothing (stdin, an extensionless file).
    pub fn sniff(bytes: &[u8]) -> Kind {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(8192)]);
        let first = head
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with("//"));
        match first {
            Some(l) if l.starts_with("#!") => Kind::Shell,
            Some(l)
                if l.starts_with('{') || l.starts_with('[') && head.trim_end().ends_with(']') =>
            {
                Kind::Json
            }
            _ if head.contains("resource \"azurerm_")
                || head.contains("module \"")
                    && head.contains("source")
                    && head.contains(" = ") =>
            {
                Kind::Terraform
            }
            _ if head
                .lines()
                .any(|l| l.starts_with("resource ") && l.contains('\''))
                || head.lines().any(|l| l.starts_with("param ")) =>
            {
                Kind::Bicep
            }
            _ if head.lines().any(|l| l.trim_start().starts_with("az aks ")) => Kind::Shell,
            _ => Kind::Yaml,
        }
    }
}

/// Where an input's bytes come from.
#[derive(Debug)]
pub enum Origin {
    /// A regular file (found while walking, or named). Opened without blocking and checked again when
    /// read: a file that became a FIFO or device in between is skipped, never read.
    File(PathBuf),
    /// A FIFO, device or other non-regular file named on the command line (`<(helm template …)` is one):
    /// read under the same cap as stdin, waiting a bounded time for its first byte.
    Special(PathBuf),
    /// Standard input already read whole (a library caller's bytes).
    Stdin(Arc<Vec<u8>>),
    /// Standard input as the command line reads it: the bytes read to sniff it, and the rest still to
    /// read (read once, as a stream).
    StdinStream(StdinSource),
}

/// Standard input as discovered: its first bytes (never empty) and the unread rest.
pub struct StdinSource {
    pub head: Vec<u8>,
    pub rest: Mutex<Option<Box<dyn Read + Send>>>,
}

impl std::fmt::Debug for StdinSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StdinSource({} bytes read ahead)", self.head.len())
    }
}

/// One input to lint.
#[derive(Debug)]
pub struct Input {
    pub name: FileName,
    pub origin: Origin,
    /// The kind by extension; `None` means sniff the content.
    pub kind: Option<Kind>,
}

/// Why a file that could have been an input was not linted (`-v` lists each; the summary counts them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Skip {
    /// Read, but holding no Kubernetes or ARM object (a Helm values file, a config file).
    NoObjects,
    /// A file under the `templates/` of the Helm chart in this directory: Go templates, not YAML.
    ChartTemplate(FileName),
    /// A Go template outside a chart: `*.tpl`, or `{{ }}` in a file that does not parse as its kind.
    Template,
    /// Not a regular file (a FIFO, socket or device) met while walking: never opened.
    NotRegular(&'static str),
    /// A symbolic link met while walking without `--follow`.
    Symlink,
    /// A followed link that leads back into a directory being walked.
    LinkLoop,
    /// A recognised kind whose reader is not in this build yet.
    NotRead(Kind),
    /// A Markdown fence tagged as JSON, YAML, Bicep or Terraform that does not parse as that: a
    /// snippet, not an input (the file's other fences are still read). Why, with its line.
    Fence(String),
}

impl Skip {
    /// What `-v` says about one skipped file.
    pub fn reason(&self) -> String {
        match self {
            Skip::NoObjects => "no Kubernetes or ARM object".into(),
            Skip::ChartTemplate(chart) => format!(
                "template of the Helm chart `{chart}` (lint it rendered: `helm template {chart} | hostlint check -`)"
            ),
            Skip::Template => {
                "a template (`{{ }}`), not YAML until rendered: render it and pipe it to `hostlint check -`"
                    .into()
            }
            Skip::NotRegular(what) => format!("{what}, not a regular file: not opened while walking"),
            Skip::Symlink => "symbolic link, not followed (`--follow` follows links)".into(),
            Skip::LinkLoop => "symbolic link back into a directory already walked".into(),
            Skip::NotRead(Kind::BicepParams) => {
                "Bicep parameters (`*.bicepparam`): not linted on their own; a parameter file is read with the template its `using` names".into()
            }
            Skip::NotRead(k) => format!("{} input: not read by this version", k.name()),
            Skip::Fence(why) => why.clone(),
        }
    }

    /// The summary's name for a group of skipped files (singular, plural), and its order there.
    fn group(&self) -> (u8, &'static str, &'static str) {
        match self {
            Skip::ChartTemplate(_) => (0, "Helm chart template", "Helm chart templates"),
            Skip::Template => (1, "unrendered template", "unrendered templates"),
            Skip::NoObjects => (
                2,
                "with no Kubernetes or ARM object",
                "with no Kubernetes or ARM object",
            ),
            Skip::Fence(_) => (
                3,
                "Markdown fence that does not parse",
                "Markdown fences that do not parse",
            ),
            Skip::NotRead(Kind::BicepParams) => (
                4,
                "Bicep parameter file (read with its template)",
                "Bicep parameter files (read with their template)",
            ),
            Skip::NotRead(_) => (
                5,
                "file of a kind not read yet",
                "files of a kind not read yet",
            ),
            Skip::Symlink => (
                6,
                "symbolic link (-L follows it)",
                "symbolic links (-L follows them)",
            ),
            Skip::LinkLoop => (7, "symbolic link loop", "symbolic link loops"),
            Skip::NotRegular(_) => (8, "FIFO, socket or device", "FIFOs, sockets or devices"),
        }
    }
}

/// The summary's lines about skipped files: one sentence with the counts, then one line per Helm chart
/// saying how to lint it. Empty when nothing was skipped.
pub fn skip_summary(skipped: &[(FileName, Skip)]) -> Vec<String> {
    if skipped.is_empty() {
        return Vec::new();
    }
    let mut groups: Vec<((u8, &str, &str), usize)> = Vec::new();
    let mut charts: Vec<(&str, usize)> = Vec::new();
    for (_, s) in skipped {
        let g = s.group();
        match groups.iter_mut().find(|(k, _)| *k == g) {
            Some((_, n)) => *n += 1,
            None => groups.push((g, 1)),
        }
        if let Skip::ChartTemplate(chart) = s {
            match charts.iter_mut().find(|(c, _)| c == &chart.as_ref()) {
                Some((_, n)) => *n += 1,
                None => charts.push((chart, 1)),
            }
        }
    }
    groups.sort();
    charts.sort();
    let parts: Vec<String> = groups
        .iter()
        .map(|((_, one, many), n)| format!("{n} {}", if *n == 1 { one } else { many }))
        .collect();
    let n = skipped.len();
    let mut lines = vec![format!(
        "Skipped {n} {} (-v lists them): {}.",
        if n == 1 { "file" } else { "files" },
        parts.join(", ")
    )];
    for (chart, n) in charts {
        lines.push(format!(
            "Helm chart {chart}: {n} {} not linted; lint the rendered chart: helm template {chart} | hostlint check -",
            if n == 1 { "template" } else { "templates" }
        ));
    }
    lines
}

/// How to walk directories, and what to leave out.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Walk hidden files and directories too (ripgrep's `--hidden`; `.git` itself is never walked).
    pub hidden: bool,
    /// Follow symbolic links (ripgrep's `--follow`/`-L`).
    pub follow: bool,
    pub exclude: Excludes,
}

/// Exclude globs, each set relative to its own base directory: `--exclude` to the current directory,
/// the config's `exclude` to the directory holding the config. Matched like ripgrep's and ruff's globs:
/// `./` prefixes are dropped, `*` stays within one path component, a glob without `/` matches a file or
/// directory name at any depth, and a glob that names a directory leaves out everything below it.
#[derive(Clone, Debug, Default)]
pub struct Excludes {
    sets: Vec<GlobBase>,
}

#[derive(Clone, Debug)]
struct GlobBase {
    /// Absolute, lexically normalised.
    base: PathBuf,
    /// Globs matched against the path below `base`.
    relative: GlobSet,
    /// Globs written as absolute paths, matched against the whole path.
    absolute: GlobSet,
}

impl Excludes {
    /// Adds `globs`, relative to `base` (an absolute directory); `what` names them in errors
    /// (`--exclude`, `.hostlint.yaml exclude`).
    pub fn add(&mut self, base: &Path, globs: &[String], what: &str) -> Result<(), String> {
        if globs.is_empty() {
            return Ok(());
        }
        let (mut relative, mut absolute) = (GlobSetBuilder::new(), GlobSetBuilder::new());
        for g in globs {
            for pattern in glob_patterns(g) {
                let glob = GlobBuilder::new(&pattern)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| format!("bad {what} glob `{g}`: {}", e.kind()))?;
                if pattern.starts_with('/') {
                    absolute.add(glob);
                } else {
                    relative.add(glob);
                }
            }
        }
        let build = |b: GlobSetBuilder| {
            b.build()
                .map_err(|e| format!("bad {what} glob: {}", e.kind()))
        };
        self.sets.push(GlobBase {
            base: normalize(base),
            relative: build(relative)?,
            absolute: build(absolute)?,
        });
        Ok(())
    }

    /// Whether `path` (as given or found: relative to the current directory `cwd`, or absolute) is left out.
    pub fn is_excluded(&self, path: &Path, cwd: &Path) -> bool {
        if self.sets.is_empty() {
            return false;
        }
        let given = normalize(path);
        let abs = normalize(&cwd.join(path));
        self.sets.iter().any(|g| {
            g.absolute.is_match(&abs)
                || match abs.strip_prefix(&g.base) {
                    Ok(rel) => g.relative.is_match(rel),
                    // Outside the base, only names (`**/…`) can match: against the path as given.
                    Err(_) => g.relative.is_match(&given),
                }
        })
    }
}

/// The globset patterns one user glob stands for (see [`Excludes`]).
fn glob_patterns(glob: &str) -> Vec<String> {
    let mut g = glob.trim();
    // `./x` is anchored at the base, like `/x` in a .gitignore.
    let dotted = g.starts_with("./");
    while let Some(rest) = g.strip_prefix("./") {
        g = rest.trim_start_matches('/');
    }
    let g = g.trim_end_matches('/');
    // Otherwise a glob without `/` names a file or directory at any depth.
    let base = if dotted || g.contains('/') || g.starts_with("**") {
        g.to_string()
    } else {
        format!("**/{g}")
    };
    if base.ends_with("/**") {
        vec![base]
    } else {
        vec![base.clone(), format!("{base}/**")]
    }
}

/// Where the config of a run is looked for: the deepest directory holding every linted path (a file's
/// own directory; the current directory for stdin), so that the config a run uses depends on what it
/// lints, not on where it is started.
pub fn config_start(paths: &[PathBuf], cwd: &Path) -> PathBuf {
    let mut common: Option<PathBuf> = None;
    for p in paths {
        let dir = if p.as_os_str() == "-" {
            cwd.to_path_buf()
        } else {
            let abs = normalize(&cwd.join(p));
            if abs.is_dir() {
                abs
            } else {
                abs.parent().map_or(abs.clone(), Path::to_path_buf)
            }
        };
        common = Some(match common {
            None => dir,
            Some(c) => c
                .ancestors()
                .find(|a| dir.starts_with(a))
                .map_or_else(PathBuf::new, Path::to_path_buf),
        });
    }
    common.unwrap_or_else(|| cwd.to_path_buf())
}

/// `path` with `.` dropped and `..` applied lexically (no file system access: links are not resolved).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// How a path is shown in reports: as is when it is UTF-8, else with each byte that is not part of
/// UTF-8 written `\xNN` (the file is still read under its real name).
pub fn display_path(path: &Path) -> String {
    match path.to_str() {
        Some(s) => s.to_string(),
        None => {
            let mut out = String::new();
            for chunk in path.as_os_str().as_encoded_bytes().utf8_chunks() {
                out.push_str(chunk.valid());
                for b in chunk.invalid() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
            out
        }
    }
}

/// What the command line names, resolved.
#[derive(Debug, Default)]
pub struct Discovered {
    pub inputs: Vec<Input>,
    pub errors: Vec<InputError>,
    pub skipped: Vec<(FileName, Skip)>,
}

/// The message for stdin that holds nothing: a gate that checked nothing must not pass.
pub const EMPTY_STDIN: &str = "no input on stdin: did the command before the pipe fail?";

/// How many bytes of stdin are read ahead to tell empty input and sniff the kind.
const STDIN_HEAD: usize = 64 << 10;

/// Resolves the command-line paths to inputs. `-` is stdin (read at most once, from `stdin`).
pub fn discover(
    paths: &[PathBuf],
    options: &Options,
    stdin: &mut dyn FnMut() -> Box<dyn Read + Send>,
) -> Discovered {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut walker = Walker {
        options,
        cwd: &cwd,
        out: Discovered::default(),
        seen: HashSet::new(),
        charts: HashMap::new(),
    };
    let mut stdin_read = false;
    for arg in paths {
        if arg.as_os_str() == "-" {
            if !stdin_read {
                stdin_read = true;
                walker.stdin(stdin());
            }
            continue;
        }
        walker.named(arg);
    }
    walker.out
}

struct Walker<'a> {
    options: &'a Options,
    cwd: &'a Path,
    out: Discovered,
    /// Files already taken (device and inode, or the canonical path where there are none): a file named
    /// twice, or named and also found in a directory, is linted once.
    seen: HashSet<FileId>,
    /// Directory → the Helm chart whose templates it is under (memoised per directory).
    charts: HashMap<PathBuf, Option<FileName>>,
}

#[derive(PartialEq, Eq, Hash)]
enum FileId {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg(not(unix))]
    Path(PathBuf),
}

fn file_id(path: &Path, meta: &std::fs::Metadata) -> FileId {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = path;
        FileId::Inode(meta.dev(), meta.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        FileId::Path(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
    }
}

impl Walker<'_> {
    fn stdin(&mut self, mut reader: Box<dyn Read + Send>) {
        let mut head = Vec::with_capacity(8192);
        match (&mut reader).take(STDIN_HEAD as u64).read_to_end(&mut head) {
            Err(e) => self.out.errors.push(InputError::whole(
                "<stdin>",
                format!("cannot read stdin: {e}"),
            )),
            Ok(_) if head.iter().all(u8::is_ascii_whitespace) && head.len() < STDIN_HEAD => {
                self.out
                    .errors
                    .push(InputError::whole("<stdin>", EMPTY_STDIN.into()));
            }
            Ok(_) => self.out.inputs.push(Input {
                name: Arc::from("<stdin>"),
                origin: Origin::StdinStream(StdinSource {
                    head,
                    rest: Mutex::new(Some(reader)),
                }),
                kind: None,
            }),
        }
    }

    /// A path named on the command line: a directory is walked; a file is linted whatever its name
    /// (its kind sniffed when the name says none) unless excluded or a chart's template.
    fn named(&mut self, arg: &Path) {
        let name = display_path(arg);
        let meta = match std::fs::metadata(arg) {
            Ok(m) => m,
            Err(e) => {
                self.out
                    .errors
                    .push(InputError::whole(&name, io_message(&e)));
                return;
            }
        };
        if meta.is_dir() {
            if self.walk(arg) == 0 {
                self.out.errors.push(InputError::whole(
                    &name,
                    "no files to lint here (looked for .yaml, .yml, .json, .bicep, .bicepparam, .tf, .tf.json, .sh, .bash, .azcli, .md)".into(),
                ));
            }
            return;
        }
        if self.options.exclude.is_excluded(arg, self.cwd) {
            return;
        }
        if !self.seen.insert(file_id(arg, &meta)) {
            return;
        }
        let name: FileName = Arc::from(name);
        if let Some(skip) = self.template(arg) {
            self.out.skipped.push((name, skip));
            return;
        }
        let kind = Kind::from_path(arg);
        if let Some(k @ Kind::BicepParams) = kind {
            self.out.skipped.push((name, Skip::NotRead(k)));
            return;
        }
        let origin = if meta.is_file() {
            Origin::File(arg.to_path_buf())
        } else {
            Origin::Special(arg.to_path_buf())
        };
        self.out.inputs.push(Input { name, origin, kind });
    }

    /// Walks a directory; returns how many candidate files it met (linted, skipped, or taken already).
    fn walk(&mut self, dir: &Path) -> usize {
        let mut met = 0;
        let exclude = self.options.exclude.clone();
        let cwd = self.cwd.to_path_buf();
        let walker = ignore::WalkBuilder::new(dir)
            .require_git(false)
            .hidden(!self.options.hidden)
            .follow_links(self.options.follow)
            .sort_by_file_name(|a, b| a.cmp(b))
            .filter_entry(move |e| {
                if e.depth() == 0 {
                    return true;
                }
                let git = e.file_type().is_some_and(|t| t.is_dir()) && e.file_name() == ".git";
                !git && !exclude.is_excluded(e.path(), &cwd)
            })
            .build();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    if let Some((path, _)) = loop_of(&e) {
                        self.out
                            .skipped
                            .push((Arc::from(display_path(&path)), Skip::LinkLoop));
                    } else {
                        let at = error_path(&e).unwrap_or_else(|| dir.to_path_buf());
                        self.out
                            .errors
                            .push(InputError::whole(&display_path(&at), walk_message(&e)));
                    }
                    continue;
                }
            };
            let path = entry.path();
            let Some(ft) = entry.file_type() else {
                continue;
            };
            if ft.is_dir() {
                continue;
            }
            let kind = Kind::from_path(path);
            let tpl = is_tpl(path);
            if kind.is_none() && !tpl {
                continue;
            }
            met += 1;
            let name = || -> FileName { Arc::from(display_path(path)) };
            if ft.is_symlink() {
                // Only reached without `--follow` (with it, the entry is what the link points at).
                if std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
                    self.out.skipped.push((name(), Skip::Symlink));
                }
                continue;
            }
            if !ft.is_file() {
                self.out
                    .skipped
                    .push((name(), Skip::NotRegular(special_kind(&ft))));
                continue;
            }
            if let Ok(meta) = entry.metadata()
                && !self.seen.insert(file_id(path, &meta))
            {
                continue;
            }
            if let Some(skip) = self.template(path) {
                self.out.skipped.push((name(), skip));
                continue;
            }
            match kind {
                Some(k @ Kind::BicepParams) => {
                    self.out.skipped.push((name(), Skip::NotRead(k)));
                }
                Some(k) => self.out.inputs.push(Input {
                    name: name(),
                    origin: Origin::File(path.to_path_buf()),
                    kind: Some(k),
                }),
                None => {}
            }
        }
        met
    }

    /// Whether a file is a template that is not linted: under a Helm chart's `templates/`, or `*.tpl`.
    fn template(&mut self, path: &Path) -> Option<Skip> {
        let dir = path.parent().unwrap_or(Path::new(""));
        if let Some(chart) = self.chart_of(dir) {
            return Some(Skip::ChartTemplate(chart));
        }
        is_tpl(path).then_some(Skip::Template)
    }

    /// The Helm chart (a directory with `Chart.yaml` beside `templates/`) whose `templates/` holds `dir`,
    /// shown relative to the current directory when it is below it.
    fn chart_of(&mut self, dir: &Path) -> Option<FileName> {
        let abs = normalize(&self.cwd.join(dir));
        if let Some(c) = self.charts.get(&abs) {
            return c.clone();
        }
        let root = abs.ancestors().find_map(|a| {
            let root = a.parent()?;
            (a.file_name() == Some(OsStr::new("templates")) && root.join("Chart.yaml").is_file())
                .then_some(root)
        });
        let chart = root.map(|root| -> FileName {
            match root.strip_prefix(self.cwd) {
                Ok(rel) if rel.as_os_str().is_empty() => Arc::from("."),
                Ok(rel) => Arc::from(display_path(rel)),
                Err(_) => Arc::from(display_path(root)),
            }
        });
        self.charts.insert(abs, chart.clone());
        chart
    }
}

fn is_tpl(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tpl") || e.eq_ignore_ascii_case("gotmpl"))
}

fn special_kind(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_block_device() || ft.is_char_device() {
            return "a device";
        }
    }
    let _ = ft;
    "a special file"
}

fn loop_of(e: &ignore::Error) -> Option<(PathBuf, PathBuf)> {
    match e {
        ignore::Error::Loop { ancestor, child } => Some((child.clone(), ancestor.clone())),
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => loop_of(err),
        _ => None,
    }
}

fn error_path(e: &ignore::Error) -> Option<PathBuf> {
    match e {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

fn walk_message(e: &ignore::Error) -> String {
    match e {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => walk_message(err),
        ignore::Error::Io(io) => io_message(io),
        other => other.to_string(),
    }
}

pub(crate) fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_extension_then_content() {
        assert_eq!(Kind::from_path(Path::new("a/b.YML")), Some(Kind::Yaml));
        assert_eq!(Kind::from_path(Path::new("main.tf")), Some(Kind::Terraform));
        assert_eq!(
            Kind::from_path(Path::new("main.TF.json")),
            Some(Kind::TerraformJson)
        );
        assert_eq!(Kind::from_path(Path::new("x.tf.json.bak")), None);
        assert_eq!(Kind::from_path(Path::new("a.json")), Some(Kind::Json));
        assert_eq!(
            Kind::from_path(Path::new("main.bicepparam")),
            Some(Kind::BicepParams)
        );
        assert_eq!(Kind::from_path(Path::new("Makefile")), None);
        assert_eq!(Kind::sniff(b"{\"kind\": \"Pod\"}"), Kind::Json);
        assert_eq!(Kind::sniff(b"#!/bin/bash\naz aks create"), Kind::Shell);
        assert_eq!(Kind::sniff(b"apiVersion: v1\nkind: Pod\n"), Kind::Yaml);
        assert_eq!(Kind::sniff(b"param location string\nresource aks 'Microsoft.ContainerService/managedClusters@2024-01-01' = {}"), Kind::Bicep);
    }

    fn excluded(globs: &[&str], path: &str) -> bool {
        let mut e = Excludes::default();
        let globs: Vec<String> = globs.iter().map(|s| s.to_string()).collect();
        e.add(Path::new("/repo"), &globs, "--exclude").unwrap();
        e.is_excluded(Path::new(path), Path::new("/repo"))
    }

    #[test]
    fn exclude_globs_are_relative_to_their_base_like_ripgreps() {
        // `./` on either side is the same path.
        assert!(excluded(&["./vendor/**"], "./vendor/a/b.yaml"));
        assert!(excluded(&["vendor/**"], "./vendor/b.yaml"));
        assert!(excluded(&["./vendor"], "vendor/b.yaml"));
        assert!(!excluded(&["./vendor"], "apps/vendor/b.yaml"));
        assert!(excluded(&["vendor/"], "/repo/vendor/b.yaml"));
        // A name without `/` matches at any depth; with `/` it is anchored at the base.
        assert!(excluded(&["vendor"], "apps/vendor/b.yaml"));
        assert!(!excluded(&["apps/vendor"], "x/apps/vendor/b.yaml"));
        assert!(excluded(&["*.json"], "a/b/c.json"));
        // `*` does not cross a `/`.
        assert!(!excluded(&["apps/*.yaml"], "apps/sub/a.yaml"));
        assert!(excluded(&["apps/*.yaml"], "apps/a.yaml"));
        assert!(excluded(&["apps/**/*.yaml"], "apps/sub/a.yaml"));
        // Paths outside the base only match absolute globs or names.
        assert!(!excluded(&["vendor/**"], "/elsewhere/vendor/a.yaml"));
        assert!(excluded(&["/elsewhere/**"], "/elsewhere/vendor/a.yaml"));
        assert!(excluded(&["vendor"], "../up/vendor/a.yaml"));
        assert!(!excluded(&["vendor"], "vendored/a.yaml"));
    }

    #[test]
    fn bad_globs_are_refused_with_their_text() {
        let mut e = Excludes::default();
        let err = e
            .add(Path::new("/"), &["a/[b".to_string()], "--exclude")
            .unwrap_err();
        assert!(err.starts_with("bad --exclude glob `a/[b`:"), "{err}");
    }

    #[test]
    fn non_utf8_names_show_their_bytes() {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let p = Path::new(OsStr::from_bytes(b"dir/caf\xe9-\xff.yaml"));
            assert_eq!(display_path(p), "dir/caf\\xe9-\\xff.yaml");
        }
        assert_eq!(display_path(Path::new("dir/café.yaml")), "dir/café.yaml");
    }

    #[test]
    fn normalize_is_lexical() {
        assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
        assert_eq!(normalize(Path::new("./x/y")), PathBuf::from("x/y"));
    }
}
