//! What each container runs, and where: every command its `command`/`args` (and the scripts those
//! run) execute, with whether it runs *in host context* — under `nsenter` into PID 1's mount
//! namespace, under `chroot` into a hostPath-mounted host root, or with that root passed to
//! `--root`/`--installroot`/`--sysroot`. Rules read [`ContainerScript`]s; they never parse text.

use std::collections::HashMap;

use crate::finding::{Hit, Note};
use crate::host::Profile;
use crate::model::workload::{Container, PodSpec, Source as VolSource, is_under, normalize};
use crate::parse::node::{Node, pointer};
use crate::parse::shell::{self, Conn, DocIndex, Redirect, Script, Source, Word};
use crate::source::{Pos, Span, Via};

/// Where something was written: the span to report (the alias use site when reached through one).
#[derive(Clone, Debug)]
pub struct Loc {
    pub span: Span,
    pub via: Option<Via>,
    pub path: String,
    /// Where the word is in the anchored text, when reported at an alias's use site.
    pub origin: Option<Pos>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    Nsenter,
    Chroot,
    /// `--root`/`--installroot`/`--sysroot` pointing at the host root.
    RootFlag,
}

/// Where a script enters the host.
#[derive(Clone, Debug)]
pub struct Entry {
    pub kind: EntryKind,
    pub at: Loc,
    /// The word as written (`nsenter`, `chroot`, `--installroot=/host`).
    pub word: String,
    /// Entered in another object (a workload running a ConfigMap script): reported there, not here.
    pub inherited: bool,
}

/// A word of a command: its value when it can be known, and where it is.
#[derive(Clone, Debug)]
pub struct Arg {
    pub text: Option<String>,
    pub raw: String,
    pub at: Loc,
    /// When the value is not known: the directory it certainly starts with (`/lib/modules/` for
    /// `/lib/modules/$(uname -r)/extra`).
    pub dir: Option<String>,
}

/// A command a container runs (after wrappers such as `sudo`, `env`, `nsenter`, `chroot`).
#[derive(Clone, Debug)]
pub struct Invocation {
    /// The program's base name (`apt-get` for `/usr/bin/apt-get`).
    pub program: String,
    pub at: Loc,
    pub args: Vec<Arg>,
    /// Index into [`ContainerScript::entries`] when it runs in host context.
    pub host: Option<usize>,
    /// Host paths it writes (redirections, `tee`, `cp`/`mv`/`install` targets, ...), with where.
    pub writes: Vec<(Loc, String)>,
    /// Paths it writes in the container's own filesystem (absolute, relative ones resolved against
    /// a known `cd`), with where: through a hostPath mount they are writes to the host.
    pub targets: Vec<(Loc, String)>,
    /// The condition it runs under, when hostlint can say something about it on the host.
    pub guard: Option<Guard>,
}

/// A condition a command runs under (`if`, `&&`, `||`), as it holds on the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Guard {
    /// False (or true, for an `else`) on the host: the command never runs there. The text of the
    /// condition as written.
    Never(String),
    /// Undecidable (a version check, a test of the container's own files).
    Unknown(String),
}

impl Invocation {
    /// The argument values that are known (unknown ones are skipped).
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.args.iter().filter_map(|a| a.text.as_deref())
    }

    /// The first argument that is not an option.
    pub fn subcommand(&self) -> Option<&str> {
        self.words().find(|w| !w.starts_with('-'))
    }
}

/// A script file a container runs (for ConfigMap correlation).
#[derive(Clone, Debug)]
pub struct ScriptRun {
    pub path: String,
    pub at: Loc,
    pub host: Option<Entry>,
    /// The index of that entry in this container's entries.
    pub entry: Option<usize>,
    /// Shell variables known when it starts.
    pub vars: Vec<(String, String)>,
}

/// Everything one container runs.
#[derive(Clone, Debug, Default)]
pub struct ContainerScript {
    pub container: String,
    /// The workload that runs this script when it is not the object it sits in (ConfigMap scripts).
    pub runner: Option<String>,
    pub entries: Vec<Entry>,
    pub invocations: Vec<Invocation>,
    pub runs: Vec<ScriptRun>,
    /// Where the analysis ran out of budget, and what was cut off (an input error of the file).
    pub cut: Option<(Pos, String)>,
    /// How messages name the host the script's branches were decided for (its profile's title).
    pub host: String,
}

impl ContainerScript {
    /// A hit at `at`, naming the container, the alias anchor and the workload that runs it.
    pub fn hit(&self, at: &Loc, message: String) -> Hit {
        let mut notes = Vec::new();
        if let Some(v) = &at.via {
            notes.push(Note {
                line: Some(v.anchor_line),
                message: match at.origin {
                    Some(p) => format!(
                        "reached through an alias: the command is at {}:{} in the anchored text",
                        p.line, p.col
                    ),
                    None => format!(
                        "reached through an alias of the anchor on line {}",
                        v.anchor_line
                    ),
                },
            });
        }
        let message = match &self.runner {
            Some(r) => format!("{message} (run by {r})"),
            None => message,
        };
        // The condition the command runs under, found by where it is.
        let same = |l: &Loc| l.span == at.span && l.path == at.path;
        let guard = self
            .invocations
            .iter()
            .find(|i| {
                same(&i.at)
                    || i.args.iter().any(|a| same(&a.at))
                    || i.writes.iter().any(|(l, _)| same(l))
            })
            .and_then(|i| i.guard.clone());
        let (message, severity) = match &guard {
            Some(Guard::Never(t)) => {
                notes.push(Note {
                    line: None,
                    message: format!(
                        "this branch never runs on {}: `{t}` does not hold there (the branch that does run is analysed)",
                        self.host
                    ),
                });
                (
                    format!("{message}, in a branch that never runs on {}", self.host),
                    Some(crate::rules::Severity::Info),
                )
            }
            Some(Guard::Unknown(t)) => {
                notes.push(Note {
                    line: None,
                    message: format!(
                        "runs only when `{t}` holds; hostlint cannot tell whether it does on {}",
                        self.host
                    ),
                });
                (message, None)
            }
            None => (message, None),
        };
        Hit {
            span: at.span,
            via: at.via.clone(),
            path: at.path.clone(),
            message,
            container: (!self.container.is_empty()).then(|| self.container.clone()),
            notes,
            fix: None,
            severity,
            edit: None,
        }
    }

    /// Adds `hit` unless one of the same rule is already on its script line (commands reached
    /// through one alias all report at its use site): then it becomes a note of that one.
    pub fn push(out: &mut Vec<Hit>, hit: Hit) {
        // Duplicates come from one container's script: look back over its hits only.
        let line = hit.span.start.line;
        let earlier = out
            .iter_mut()
            .rev()
            .take_while(|h| h.container == hit.container)
            .find(|h| h.path == hit.path && h.span.start.line == line);
        match earlier {
            Some(h) if h.span == hit.span && h.message == hit.message => {}
            // Through an alias every command reports at the use site: their script lines differ.
            Some(_) if hit.via.is_some() => out.push(hit),
            Some(h) => {
                h.notes.push(Note {
                    line: Some(line),
                    message: format!(
                        "also on this line, column {}: {}",
                        hit.span.start.col, hit.message
                    ),
                });
                // The line's finding is as severe as its most severe command.
                h.severity = match (h.severity, hit.severity) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
            }
            None => out.push(hit),
        }
    }

    /// The invocations under entry `e`.
    pub fn under(&self, e: usize) -> impl Iterator<Item = &Invocation> {
        self.invocations.iter().filter(move |i| i.host == Some(e))
    }
}

/// What a container brings to its scripts: env values, where the host root is mounted, which
/// ConfigMaps are mounted where.
#[derive(Clone, Debug, Default)]
pub struct Ctx {
    pub env: Vec<(String, String)>,
    /// Container paths where hostPath `/` is mounted.
    pub hostroots: Vec<String>,
    /// (mount path, subPath, ConfigMap name, items as (key, path)).
    pub cm_mounts: Vec<CmMount>,
    /// Whether the pod shares the host's PID namespace (`hostPID: true`): only then is the
    /// container's `/proc` the host's.
    pub host_pid: bool,
    /// Container paths where hostPath `/proc` (the host's process tree) is mounted.
    pub procs: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct CmMount {
    pub mount_path: String,
    pub sub_path: Option<String>,
    pub config_map: String,
    pub items: Vec<(String, String)>,
}

impl CmMount {
    /// The data key a file path inside this mount reads, if any.
    pub fn key_of(&self, path: &str) -> Option<String> {
        let path = normalize(path);
        let mount = normalize(&self.mount_path);
        if let Some(sub) = &self.sub_path {
            return (path == mount).then(|| {
                self.items
                    .iter()
                    .find(|(_, p)| p == sub)
                    .map_or(sub.clone(), |(k, _)| k.clone())
            });
        }
        let rest = path.strip_prefix(&mount)?.strip_prefix('/')?;
        if self.items.is_empty() {
            return (!rest.contains('/')).then(|| rest.to_string());
        }
        self.items
            .iter()
            .find(|(_, p)| normalize(p) == normalize(rest))
            .map(|(k, _)| k.clone())
    }
}

impl Ctx {
    /// The value the container's `env` gives `name` (the last entry wins, as the kubelet sets them).
    fn env_value(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The context of a container of a pod.
    pub fn of(pod: &PodSpec<'_>, c: &Container<'_>) -> Ctx {
        let mut ctx = Ctx {
            host_pid: pod.node.get("hostPID").is_some_and(Node::is_true),
            ..Ctx::default()
        };
        for e in c.node.get("env").and_then(Node::as_seq).unwrap_or_default() {
            if let (Some(n), Some(v)) = (e.str_at(&["name"]), e.str_at(&["value"])) {
                ctx.env.push((n.to_string(), v.to_string()));
            }
        }
        for m in &c.mounts {
            let Some(mp) = m.mount_path else { continue };
            if let Some((hp, _)) = pod.host_path_of(m) {
                if hp == "/" {
                    ctx.hostroots.push(normalize(mp));
                }
                if hp == "/proc" {
                    ctx.procs.push(normalize(mp));
                }
                continue;
            }
            let Some(v) = m.volume.and_then(|i| pod.volumes.get(i)) else {
                continue;
            };
            let cms: Vec<(&str, Option<&Node>)> = match &v.source {
                VolSource::ConfigMap { name, items } => vec![(name, *items)],
                VolSource::Projected { config_maps } => config_maps.clone(),
                _ => continue,
            };
            for (name, items) in cms {
                let items = items
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|i| {
                        Some((
                            i.str_at(&["key"])?.to_string(),
                            i.str_at(&["path"])?.to_string(),
                        ))
                    })
                    .collect();
                ctx.cm_mounts.push(CmMount {
                    mount_path: mp.to_string(),
                    sub_path: m.sub_path.map(str::to_string),
                    config_map: name.to_string(),
                    items,
                });
            }
        }
        ctx
    }

    /// Whether a namespace file such as `/hostproc/1/ns/mnt` is PID 1's of the host: under a hostPath
    /// of the host's `/proc`, under a mounted host root's `/proc`, or the container's own `/proc`
    /// when the pod shares the host's PID namespace.
    pub fn host_pid1_ns(&self, f: &str, ns: &str) -> bool {
        let f = normalize(f);
        let tail = format!("/1/ns/{ns}");
        let Some(proc_dir) = f.strip_suffix(&tail) else {
            return false;
        };
        (proc_dir == "/proc" && self.host_pid)
            || self.procs.iter().any(|p| p == proc_dir)
            || self
                .hostroots
                .iter()
                .any(|r| r != "/" && format!("{r}/proc") == proc_dir)
    }

    /// The host path a container path `p` reaches through a mounted host root.
    fn via_hostroot(&self, p: &str) -> Option<String> {
        let p = normalize(p);
        self.hostroots
            .iter()
            .map(String::as_str)
            .chain([PID1_ROOT])
            .find(|r| *r != "/" && is_under(&p, r))
            .map(|r| normalize(&p[r.len()..]))
    }
}

/// Where os-release is read from (os-release(5)).
const OS_RELEASE_FILES: &[&str] = &["/etc/os-release", "/usr/lib/os-release"];

/// PID 1's root directory: the host's `/` when the pod shares the host's PID namespace (as the
/// `nsenter -t 1` pattern also assumes).
const PID1_ROOT: &str = "/proc/1/root";

/// The scripts of every container of the pods, with positions in the document `doc`.
pub fn container_scripts(
    pods: &[PodSpec<'_>],
    doc: &str,
    first_line: u32,
    host: &Profile,
) -> Vec<ContainerScript> {
    let mut out = Vec::new();
    if pods.iter().all(|p| {
        p.containers
            .iter()
            .all(|c| c.node.get("command").is_none() && startup_script(c).is_none())
    }) {
        return out_default(pods, host);
    }
    let index = DocIndex::new(doc, first_line);
    for pod in pods {
        for c in &pod.containers {
            let ctx = Ctx::of(pod, c);
            let mut a = Analyzer::new(&ctx, host, c.name.clone(), None);
            a.size_expansion(input_bytes(c.node, &ctx));
            let argv = a.k8s_argv(c.node, &c.path, &index);
            if c.node.get("command").is_some() && !argv.is_empty() {
                a.exec(&argv, None, None, None, 0);
            }
            // An image that runs a variable's script on the host (its own entrypoint, so only
            // when `command` does not replace it).
            if let Some((value, path)) = startup_script(c) {
                a.here.set(value.span.start);
                let lookup = |name: &str| {
                    let v = ctx.env_value(name)?;
                    a.charge(v.len()).then(|| v.to_string())
                };
                if let Some(src) =
                    Source::from_scalar(value, &index, &path).map(|s| s.expand_k8s(&lookup))
                {
                    a.out.entries.push(Entry {
                        kind: EntryKind::Nsenter,
                        at: Loc {
                            span: value.report_span(),
                            via: value.via.as_deref().cloned(),
                            path,
                            origin: value.via.is_some().then_some(value.span.start),
                        },
                        word: "nsenter".to_string(),
                        inherited: false,
                    });
                    let h = a.out.entries.len() - 1;
                    a.script(&src, Some(h), 0);
                }
            }
            out.push(a.finish());
        }
    }
    out
}

/// The script value (and its JSON pointer) of a container whose image runs an environment
/// variable's script on the host through `nsenter` (host data: `STARTUP_SCRIPT_IMAGES`), when
/// `command` leaves the image's entrypoint in place.
fn startup_script<'a>(c: &Container<'a>) -> Option<(&'a Node, String)> {
    if c.node.get("command").is_some() {
        return None;
    }
    let var = crate::host::startup_script_var(c.node.str_at(&["image"])?)?;
    let env = c.node.get("env")?.as_seq()?;
    let (i, e) = env
        .iter()
        .enumerate()
        .rev()
        .find(|(_, e)| e.str_at(&["name"]) == Some(var))?;
    let value = e.get("value").filter(|v| v.as_str().is_some())?;
    Some((
        value,
        pointer(
            &crate::parse::node::pointer_idx(&pointer(&c.path, "env"), i),
            "value",
        ),
    ))
}

/// The containers of an operator resource that the operator runs with the host's root mounted, with
/// where: system-upgrade-controller `Plan`s run `spec.prepare` and `spec.upgrade` with the host root
/// at `/host` (read/write), and with the host's PID namespace (SUC README, "Considerations").
pub fn operator_containers<'a>(
    object: &'a Node,
    path: &str,
) -> Vec<(&'static str, &'a Node, String, &'static str)> {
    let (Some(api), Some(kind)) = (object.str_at(&["apiVersion"]), object.str_at(&["kind"])) else {
        return Vec::new();
    };
    if kind != "Plan" || !api.starts_with("upgrade.cattle.io/") {
        return Vec::new();
    }
    let spec = pointer(path, "spec");
    ["prepare", "upgrade"]
        .into_iter()
        .filter_map(|k| {
            let n = object.at(&["spec", k]).filter(|n| n.as_map().is_some())?;
            Some((k, n, pointer(&spec, k), "/host"))
        })
        .collect()
}

/// The scripts of an operator resource's containers (see [`operator_containers`]): a Plan's
/// `command`/`args` read as a container's, with `envs` as its environment and the host root mounted.
pub fn operator_scripts(
    object: &Node,
    path: &str,
    doc: &str,
    first_line: u32,
    host: &Profile,
) -> Vec<ContainerScript> {
    let containers = operator_containers(object, path);
    if containers.is_empty() {
        return Vec::new();
    }
    let index = DocIndex::new(doc, first_line);
    let mut out = Vec::new();
    for (name, node, cpath, hostroot) in containers {
        let mut ctx = Ctx {
            hostroots: vec![hostroot.to_string()],
            host_pid: true,
            ..Ctx::default()
        };
        for e in node.get("envs").and_then(Node::as_seq).unwrap_or_default() {
            if let (Some(n), Some(v)) = (e.str_at(&["name"]), e.str_at(&["value"])) {
                ctx.env.push((n.to_string(), v.to_string()));
            }
        }
        let mut a = Analyzer::new(&ctx, host, name.to_string(), None);
        a.size_expansion(input_bytes(node, &ctx));
        let argv = a.k8s_argv(node, &cpath, &index);
        if node.get("command").is_some() && !argv.is_empty() {
            a.exec(&argv, None, None, None, 0);
        }
        out.push(a.finish());
    }
    out
}

/// One empty script per container (nothing runs a command of its own).
fn out_default(pods: &[PodSpec<'_>], host: &Profile) -> Vec<ContainerScript> {
    pods.iter()
        .flat_map(|p| p.containers.iter())
        .map(|c| ContainerScript {
            container: c.name.clone(),
            host: host.title().to_string(),
            ..Default::default()
        })
        .collect()
}

/// Analyses a script file's text as run by a container (a ConfigMap script), optionally already in
/// host context.
pub fn analyse_file(
    src: &Source,
    ctx: &Ctx,
    profile: &Profile,
    container: &str,
    runner: String,
    host: Option<Entry>,
    vars: &[(String, String)],
) -> ContainerScript {
    let mut a = Analyzer::new(ctx, profile, container.to_string(), Some(runner));
    let env: usize = ctx.env.iter().map(|(k, v)| k.len() + v.len()).sum();
    let given: usize = vars.iter().map(|(k, v)| k.len() + v.len()).sum();
    a.size_expansion(src.text.len() + env + given);
    for (k, v) in vars {
        a.vars.insert(k.clone(), v.clone());
    }
    let h = host.map(|mut e| {
        e.inherited = true;
        a.out.entries.push(e);
        0
    });
    a.script(src, h, 0);
    a.finish()
}

/// What a shell reads as its script on standard input.
enum Stdin<'s> {
    Text(Source),
    File(W<'s>),
}

enum SrcRef<'s> {
    Owned(Source),
    Sub(&'s Source, usize, usize),
}

/// A word on its way through the wrappers.
struct W<'s> {
    text: Option<String>,
    raw: String,
    at: Loc,
    src: Option<SrcRef<'s>>,
    dir: Option<String>,
}

impl W<'_> {
    /// This word, holding its own copy of the text it came from.
    fn to_owned(&self) -> W<'static> {
        W {
            text: self.text.clone(),
            raw: self.raw.clone(),
            at: self.at.clone(),
            src: self.source().map(SrcRef::Owned),
            dir: self.dir.clone(),
        }
    }

    fn source(&self) -> Option<Source> {
        match self.src.as_ref()? {
            SrcRef::Owned(s) => Some(s.clone()),
            SrcRef::Sub(s, a, b) => Some(s.sub(&self.raw, *a, *b)),
        }
    }

    fn arg(&self) -> Arg {
        Arg {
            text: self.text.clone(),
            raw: self.raw.clone(),
            at: self.at.clone(),
            dir: self.dir.clone(),
        }
    }
}

fn basename(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// The `PATH` of a container whose image sets none other: the Docker/OCI default that runc and
/// containerd give a process when the image config has no `PATH` (moby `oci/defaults.go`
/// `DefaultPathEnv`; containerd `oci.DefaultPathEnv`).
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh", "mksh"];

/// Commands one container's analysis follows (function calls and nested shells multiply them).
const MAX_COMMANDS: usize = 20_000;
/// Bytes that expanding shell and `$(VAR)` variables may produce in one container's analysis:
/// `X=$X$X`, repeated, doubles at each line. The budget is [`EXPANSION_PER_INPUT_BYTE`] times what
/// the script and its environment hold, between [`MIN_EXPANDED_BYTES`] and this: the analysis holds
/// about 8 bytes per expanded byte, so a 74 KB AdmissionReview naming a 64 KiB variable 2 000 times
/// took the webhook to 268 MB under a flat 32 MiB.
const MAX_EXPANDED_BYTES: usize = 32 << 20;
/// The expansion budget's floor: ordinary scripts never come near it.
const MIN_EXPANDED_BYTES: usize = 1 << 20;
/// Expansion allowed per byte of script and environment.
const EXPANSION_PER_INPUT_BYTE: usize = 64;

/// The expansion budget for a script and environment of `input_bytes` bytes.
fn expansion_budget(input_bytes: usize) -> usize {
    input_bytes
        .saturating_mul(EXPANSION_PER_INPUT_BYTE)
        .clamp(MIN_EXPANDED_BYTES, MAX_EXPANDED_BYTES)
}

/// `bytes` in MiB, with one decimal unless whole.
fn mib(bytes: usize) -> String {
    if bytes.is_multiple_of(1 << 20) {
        (bytes >> 20).to_string()
    } else {
        format!("{:.1}", bytes as f64 / f64::from(1 << 20))
    }
}

/// Bytes of a container's `command`, `args` and environment values (the expansion budget's base).
fn input_bytes(node: &Node, ctx: &Ctx) -> usize {
    let argv: usize = ["command", "args"]
        .iter()
        .flat_map(|k| node.get(k).and_then(Node::as_seq).unwrap_or_default())
        .filter_map(Node::as_str)
        .map(str::len)
        .sum();
    argv + ctx
        .env
        .iter()
        .map(|(k, v)| k.len() + v.len())
        .sum::<usize>()
}

/// What a budget cut off in a script.
#[derive(Clone, Copy, Debug)]
enum Cut {
    Commands,
    Expansion,
}

struct Analyzer<'c> {
    ctx: &'c Ctx,
    /// The host the script's branches are decided for (its files, programs and os-release).
    profile: &'c Profile,
    vars: HashMap<String, String>,
    out: ContainerScript,
    /// Commands left to follow (see [`MAX_COMMANDS`]).
    budget: usize,
    /// Bytes variable expansion may still produce (see [`MAX_EXPANDED_BYTES`]).
    expand_left: std::cell::Cell<usize>,
    /// The expansion budget this analysis started with (for the cut-off message).
    expand_budget: usize,
    /// Where the command being followed is (a cut-off is reported there).
    here: std::cell::Cell<Pos>,
    /// The first cut-off: where, and what.
    cut: std::cell::Cell<Option<(Pos, Cut)>>,
    /// ConfigMap files copied onto the host root: host path → container path.
    copies: HashMap<String, String>,
    /// The working directory after a `cd` to a known directory.
    cwd: Option<String>,
    /// The condition the commands being followed run under.
    guard: Option<Guard>,
    /// Outcomes of condition commands on the host: (script, command index) → known outcome.
    outcomes: HashMap<(usize, usize), Option<bool>>,
    /// Scripts written with a heredoc (`cat > f <<EOF`): (in the host's filesystem, path) → text.
    written: HashMap<(bool, String), Source>,
    /// Arrays assigned with `NAME=(a b c)`, their elements as far as known.
    arrays: HashMap<String, Vec<Option<String>>>,
    /// The arguments of the shell functions being followed (`"$@"`, `$1`), innermost last.
    positional: Vec<Vec<W<'static>>>,
}

impl<'c> Analyzer<'c> {
    fn new(ctx: &'c Ctx, profile: &'c Profile, container: String, runner: Option<String>) -> Self {
        Analyzer {
            ctx,
            profile,
            vars: HashMap::new(),
            out: ContainerScript {
                container,
                runner,
                host: profile.title().to_string(),
                ..Default::default()
            },
            budget: MAX_COMMANDS,
            expand_left: std::cell::Cell::new(MAX_EXPANDED_BYTES),
            expand_budget: MAX_EXPANDED_BYTES,
            here: std::cell::Cell::new(Pos::default()),
            cut: std::cell::Cell::new(None),
            copies: HashMap::new(),
            cwd: None,
            guard: None,
            outcomes: HashMap::new(),
            written: HashMap::new(),
            arrays: HashMap::new(),
            positional: Vec::new(),
        }
    }

    /// A command's words as the shell expands them: an unquoted variable holding a command prefix
    /// (`$EXEC apt-get ...` with `EXEC="nsenter -t 1 -m --"`) splits into words, `"${CMD[@]}"` is the
    /// array's elements, and `"$@"`/`$1` in a function body are the caller's words (reported where
    /// the caller wrote them). The words a prefix splits into are reported at the variable.
    fn expand_words<'s>(&self, src: &'s Source, words: &[Word]) -> Vec<W<'s>> {
        let mut out = Vec::new();
        for w in words {
            let written = src.text.get(w.start..w.end).unwrap_or("");
            let quoted = written.starts_with(['"', '\'']);
            let u = w.unquoted.as_str();
            let piece = |text: &str| W {
                text: Some(text.to_string()),
                raw: text.to_string(),
                at: Self::loc(src, w.start, w.end),
                src: None,
                dir: None,
            };
            if matches!(u, "$@" | "${@}" | "$*" | "${*}")
                && let Some(args) = self.positional.last()
            {
                for a in args {
                    let a: W<'s> = a.to_owned();
                    out.push(a);
                }
                continue;
            }
            if let Some(n) = u
                .strip_prefix('$')
                .map(|n| n.trim_start_matches('{').trim_end_matches('}'))
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|&n| n >= 1)
                && let Some(args) = self.positional.last()
            {
                if let Some(a) = args.get(n - 1) {
                    let a: W<'s> = a.to_owned();
                    out.push(a);
                }
                continue;
            }
            if let Some(name) = u
                .strip_prefix("${")
                .and_then(|r| r.strip_suffix("[@]}").or_else(|| r.strip_suffix("[*]}")))
                && let Some(items) = self.arrays.get(name)
            {
                for item in items {
                    match item {
                        Some(t) => out.push(piece(t)),
                        None => out.push(W {
                            text: None,
                            ..piece("")
                        }),
                    }
                }
                continue;
            }
            if !quoted
                && let [shell::Part::Var { name, .. }] = w.parts.as_slice()
                && let Some(v) = self.lookup(name)
                && v.split_whitespace().nth(1).is_some()
            {
                out.extend(v.split_whitespace().map(piece));
                continue;
            }
            out.push(self.word(src, w));
        }
        out
    }

    /// A variable's value (a shell variable, else the container's env), charged to the budget.
    fn lookup(&self, name: &str) -> Option<String> {
        let v = self
            .vars
            .get(name)
            .map(String::as_str)
            .or_else(|| self.ctx.env_value(name))?;
        self.charge(v.len()).then(|| v.to_string())
    }

    /// Spends `n` bytes of expansion; `false` once spent (the value is then unknown, and the first
    /// such place recorded).
    fn charge(&self, n: usize) -> bool {
        let left = self.expand_left.get();
        if n <= left {
            self.expand_left.set(left - n);
            return true;
        }
        self.expand_left.set(0);
        self.cut_off(Cut::Expansion);
        false
    }

    fn cut_off(&self, what: Cut) {
        if self.cut.get().is_none() {
            self.cut.set(Some((self.here.get(), what)));
        }
    }

    /// A container's `command` and `args` (at `cpath`) as argv words, each `$(VAR)` expanded from
    /// the container's environment as Kubernetes does, charged to the expansion budget.
    fn k8s_argv(&self, node: &Node, cpath: &str, index: &DocIndex<'_>) -> Vec<W<'static>> {
        let mut argv = Vec::new();
        for key in ["command", "args"] {
            let base = pointer(cpath, key);
            for (i, n) in node
                .get(key)
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                let path = crate::parse::node::pointer_idx(&base, i);
                self.here.set(n.span.start);
                let lookup = |name: &str| {
                    let v = self.ctx.env_value(name)?;
                    self.charge(v.len()).then(|| v.to_string())
                };
                let src = Source::from_scalar(n, index, &path).map(|s| s.expand_k8s(&lookup));
                let text = src
                    .as_ref()
                    .map(|s| s.text.clone())
                    .or_else(|| n.as_str().map(str::to_string));
                argv.push(W {
                    raw: text.clone().unwrap_or_default(),
                    text,
                    at: Loc {
                        span: n.report_span(),
                        via: n.via.as_deref().cloned(),
                        path,
                        origin: n.via.is_some().then_some(n.span.start),
                    },
                    src: src.map(SrcRef::Owned),
                    dir: None,
                });
            }
        }
        argv
    }

    /// Sizes the expansion budget to a script and environment of `input_bytes` bytes.
    fn size_expansion(&mut self, input_bytes: usize) {
        self.expand_budget = expansion_budget(input_bytes);
        self.expand_left.set(self.expand_budget);
    }

    /// The analysis result, with what a budget cut off.
    fn finish(mut self) -> ContainerScript {
        self.out.cut = self.cut.get().map(|(pos, what)| {
            let message = match what {
                Cut::Commands => format!(
                    "the script runs more than {MAX_COMMANDS} commands (calls that fan out?): the rest is not checked"
                ),
                Cut::Expansion => format!(
                    "shell variables expand to more than {} MiB ({EXPANSION_PER_INPUT_BYTE} times the script and its environment, at least {}; a variable that doubles?): values from here on are not checked",
                    mib(self.expand_budget),
                    mib(MIN_EXPANDED_BYTES) + " MiB"
                ),
            };
            (pos, message)
        });
        self.out
    }

    fn loc(src: &Source, start: usize, end: usize) -> Loc {
        let span = match &src.via {
            Some(v) => v.use_site,
            None => {
                let s = src.at(start);
                let e = src.at(end.saturating_sub(1).max(start));
                Span::new(s, Pos::new(e.line, e.col + 1))
            }
        };
        Loc {
            span,
            via: src.via.clone(),
            path: src.path.clone(),
            origin: src.via.is_some().then(|| src.at(start)),
        }
    }

    fn word<'s>(&self, src: &'s Source, w: &Word) -> W<'s> {
        let text = w.resolve(&|n| self.lookup(n));
        let dir = if text.is_none() {
            w.known_dir(&|n| self.lookup(n))
        } else {
            None
        };
        W {
            text,
            raw: w.unquoted.clone(),
            at: Self::loc(src, w.start, w.end),
            src: Some(SrcRef::Sub(src, w.start, w.end)),
            dir,
        }
    }

    /// Runs a script's top-level commands (function bodies run where they are called).
    fn script(&mut self, src: &Source, host: Option<usize>, depth: usize) {
        if depth > 8 {
            return;
        }
        let parsed = shell::parse(&src.text);
        let top: Vec<usize> = (0..parsed.commands.len())
            .filter(|&i| parsed.commands[i].func.is_none())
            .collect();
        self.commands(src, &parsed, &top, host, depth, 0);
    }

    fn commands(
        &mut self,
        src: &Source,
        parsed: &Script,
        which: &[usize],
        host: Option<usize>,
        depth: usize,
        calls: usize,
    ) {
        let key = parsed as *const Script as usize;
        for &ci in which {
            let cmd = &parsed.commands[ci];
            if let Some(w) = cmd.words.first().or(cmd.assigns.first().map(|a| &a.1)) {
                self.here.set(src.at(w.start));
            }
            if self.budget == 0 {
                self.cut_off(Cut::Commands);
                return;
            }
            self.budget -= 1;
            let outer = self.guard.clone();
            self.guard = combine(outer.clone(), self.guard_of(src, parsed, cmd, key));
            let before = self.out.invocations.len();
            self.command(src, parsed, ci, host, depth, calls);
            if parsed
                .conds
                .iter()
                .any(|c| c.items.iter().any(|(_, i)| *i == ci))
            {
                let n = self.out.invocations.len();
                let outcome = (n > before)
                    .then(|| {
                        let prev = n.checked_sub(2).map(|k| &self.out.invocations[k]);
                        self.outcome(&self.out.invocations[n - 1], prev)
                    })
                    .flatten()
                    .map(|o| o != cmd.negated);
                self.outcomes.insert((key, ci), outcome);
            }
            self.guard = outer;
        }
    }

    /// What a command's guards say on the host: never (the first false one), or undecidable.
    fn guard_of(
        &self,
        src: &Source,
        parsed: &Script,
        cmd: &shell::Command,
        key: usize,
    ) -> Option<Guard> {
        let mut unknown = None;
        for &(c, want) in &cmd.guards {
            // A condition hostlint did not read as commands (`(( ... ))`) says nothing.
            let Some(cond) = parsed.conds.get(c).filter(|c| !c.items.is_empty()) else {
                continue;
            };
            let mut acc: Option<Option<bool>> = None;
            for &(conn, i) in &cond.items {
                let r = self.outcomes.get(&(key, i)).copied().flatten();
                acc = Some(match (acc, conn) {
                    (None, _) | (_, Conn::First | Conn::Pipe) => r,
                    (Some(a), Conn::And) => match (a, r) {
                        (Some(false), _) | (_, Some(false)) => Some(false),
                        (Some(true), Some(true)) => Some(true),
                        _ => None,
                    },
                    (Some(a), Conn::Or) => match (a, r) {
                        (Some(true), _) | (_, Some(true)) => Some(true),
                        (Some(false), Some(false)) => Some(false),
                        _ => None,
                    },
                });
            }
            let text = cond_text(src, parsed, cond);
            if text.is_empty() {
                continue;
            }
            match acc.flatten() {
                Some(v) if v != want => {
                    let text = if want { text } else { format!("! {text}") };
                    return Some(Guard::Never(text));
                }
                Some(_) => {}
                None => {
                    unknown.get_or_insert(Guard::Unknown(text));
                }
            }
        }
        unknown
    }

    /// Whether a test command holds on the host (`[`/`test`/`[[`, `command -v`/`which`, `grep` of
    /// the host's os-release), when that can be known.
    fn outcome(&self, inv: &Invocation, prev: Option<&Invocation>) -> Option<bool> {
        let on_host = inv
            .host
            .and_then(|h| self.out.entries.get(h))
            .is_some_and(|e| e.kind != EntryKind::RootFlag);
        let host_path = |p: &str| -> Option<String> {
            if on_host {
                Some(normalize(p))
            } else {
                self.ctx.via_hostroot(p)
            }
        };
        let words: Vec<Option<&str>> = inv.args.iter().map(|a| a.text.as_deref()).collect();
        match inv.program.as_str() {
            "[" | "test" | "[[" => {
                let end = words
                    .iter()
                    .rposition(|w| matches!(w, Some("]" | "]]")))
                    .unwrap_or(words.len());
                test_expr(&words[..end], &host_path, self.profile)
            }
            "command" | "which" | "type" | "hash" => {
                let name = words.iter().flatten().find(|w| !w.starts_with('-'))?;
                if name.contains('/') {
                    return host_path(name).and_then(|p| self.profile.file_exists(&p));
                }
                on_host.then(|| self.profile.has_program(name)).flatten()
            }
            "grep" | "egrep" => {
                let mut pattern = None;
                let mut files = Vec::new();
                let (mut ci, mut whole) = (false, false);
                let mut k = 0;
                while let Some(w) = words.get(k) {
                    let w = (*w)?;
                    match w {
                        "-e" => {
                            pattern = words.get(k + 1).copied().flatten();
                            k += 1;
                        }
                        "-x" => whole = true,
                        _ if w.starts_with('-') && w.len() > 1 => ci |= w.contains('i'),
                        _ if pattern.is_none() => pattern = Some(w),
                        _ => files.push(w),
                    }
                    k += 1;
                }
                let pattern = pattern?;
                // `cat /etc/os-release | grep -q ubuntu`: the file the command before it printed.
                if files.is_empty()
                    && let Some(p) = prev.filter(|p| p.program == "cat" && p.host == inv.host)
                {
                    files.extend(p.words().filter(|w| !w.starts_with('-')));
                }
                let [file] = files.as_slice() else {
                    return None;
                };
                let hp = host_path(file)?;
                if !OS_RELEASE_FILES.contains(&hp.as_str()) {
                    return None;
                }
                self.profile.os_release_matches(pattern, ci, whole)
            }
            _ => None,
        }
    }

    /// One command of a script: assignments, function calls, heredoc scripts, then [`Self::exec`].
    fn command(
        &mut self,
        src: &Source,
        parsed: &Script,
        ci: usize,
        host: Option<usize>,
        depth: usize,
        calls: usize,
    ) {
        let cmd = &parsed.commands[ci];
        for (name, value) in &cmd.assigns {
            if let Some(v) = value.resolve(&|n| self.lookup(n)) {
                self.vars.insert(name.clone(), v);
            } else {
                self.vars.remove(name);
            }
        }
        for (name, items) in &cmd.arrays {
            let items = items
                .iter()
                .map(|w| w.resolve(&|n| self.lookup(n)))
                .collect();
            self.arrays.insert(name.clone(), items);
        }
        let words: Vec<W<'_>> = self.expand_words(src, &cmd.words);
        if words.is_empty() {
            return;
        }
        let name = words[0].text.as_deref().unwrap_or("");
        if let Some(fi) = parsed.functions.iter().position(|f| f == name) {
            if calls < 4 {
                let body: Vec<usize> = (0..parsed.commands.len())
                    .filter(|&i| parsed.commands[i].func == Some(fi))
                    .collect();
                // The function's `"$@"` are the caller's words, where the caller wrote them.
                self.positional
                    .push(words[1..].iter().map(W::to_owned).collect());
                self.commands(src, parsed, &body, host, depth, calls + 1);
                self.positional.pop();
            }
            return;
        }
        // A heredoc, or `< file` (opened by this shell, in the container, before any nsenter).
        let stdin = cmd.redirects.iter().find_map(|r| {
            if r.op == "<" {
                return r.target.as_ref().map(|t| Stdin::File(self.word(src, t)));
            }
            let (s, e, _) = r.heredoc?;
            let body = src.text.get(s..e)?;
            Some(Stdin::Text(src.sub(body, s, e)))
        });
        // `cat > f <<EOF` / `tee f <<EOF`: a script written to a file, analysed when it is run.
        if let Some(Stdin::Text(body)) = &stdin
            && matches!(name, "cat" | "tee" | "/bin/cat" | "/usr/bin/cat")
        {
            let mut files: Vec<String> = cmd
                .redirects
                .iter()
                .filter(|r| r.writes())
                .filter_map(|r| r.target.as_ref()?.resolve(&|n| self.lookup(n)))
                .collect();
            if name.ends_with("tee") {
                files.extend(
                    words[1..]
                        .iter()
                        .filter_map(|w| w.text.clone())
                        .filter(|t| !t.starts_with('-')),
                );
            }
            for f in files {
                for k in self.file_keys(&f, host) {
                    self.written.insert(k, body.clone());
                }
            }
        }
        let redirects = (src, cmd.redirects.as_slice());
        self.exec(&words, host, stdin, Some(redirects), depth);
    }

    /// Where a file named `p` in context `host` is, as keys of [`Self::written`].
    fn file_keys(&self, p: &str, host: Option<usize>) -> Vec<(bool, String)> {
        let Some(abs) = self.absolute(p) else {
            return Vec::new();
        };
        if self.in_host_fs(host) {
            return vec![(true, abs)];
        }
        let mut keys = vec![(false, abs.clone())];
        if let Some(hp) = self.ctx.via_hostroot(&abs) {
            keys.push((true, hp));
        }
        keys
    }

    /// A heredoc-written script at `p` (in context `host`), if this script wrote one there.
    fn written_script(&self, p: &str, host: Option<usize>) -> Option<Source> {
        let key = self.file_keys(p, host).into_iter().next()?;
        self.written.get(&key).cloned()
    }

    /// Follows one command through its wrappers and records what finally runs.
    fn exec(
        &mut self,
        words: &[W<'_>],
        mut host: Option<usize>,
        stdin: Option<Stdin<'_>>,
        redirects: Option<(&Source, &[Redirect])>,
        depth: usize,
    ) {
        let mut i = 0;
        while let Some(w) = words.get(i) {
            let Some(text) = w.text.as_deref() else {
                return;
            };
            let name = basename(text);
            match name {
                "sudo" | "doas" => {
                    i += 1;
                    i = skip_opts(
                        words,
                        i,
                        &["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T"],
                    );
                }
                // `eval 'cmd ...'`, `su -c 'cmd'`, `runuser -u x -- sh`: a string that is a script.
                "eval" | "su" | "runuser" if words.len() > i + 1 => {
                    let body = if name == "eval" {
                        words.len().checked_sub(1).filter(|&j| j == i + 1)
                    } else {
                        words
                            .iter()
                            .position(|w| w.text.as_deref() == Some("-c"))
                            .map(|j| j + 1)
                            .filter(|&j| j > i)
                    };
                    match body.and_then(|j| words.get(j)).and_then(W::source) {
                        Some(s) => {
                            self.script(&s, host, depth + 1);
                            return;
                        }
                        None if name == "eval" => i += 1,
                        None => {
                            // `runuser -u x -- cmd`: the command after `--`.
                            match words
                                .iter()
                                .skip(i)
                                .position(|w| w.text.as_deref() == Some("--"))
                            {
                                Some(k) => i += k + 1,
                                None => return,
                            }
                        }
                    }
                }
                // `command -v x`: a test, not a run of `x`.
                "command"
                    if words
                        .get(i + 1)
                        .is_some_and(|w| matches!(w.text.as_deref(), Some("-v" | "-V"))) =>
                {
                    self.invocation(words, i, host, redirects);
                    return;
                }
                "exec" | "nohup" | "command" | "builtin" | "time" | "setsid" | "stdbuf"
                | "ionice" => {
                    i += 1;
                    i = skip_opts(words, i, &["-c", "-n", "-i", "-o", "-e", "-a"]);
                }
                "nice" => {
                    i += 1;
                    i = skip_opts(words, i, &["-n"]);
                }
                "timeout" => {
                    i += 1;
                    i = skip_opts(words, i, &["-s", "-k", "--signal", "--kill-after"]);
                    i += 1; // the duration
                }
                "busybox" => i += 1,
                "xargs" => {
                    i += 1;
                    i = skip_opts(words, i, &["-I", "-n", "-P", "-d", "-E", "-L", "-s", "-a"]);
                }
                "env" => {
                    i += 1;
                    while let Some(a) = words.get(i).and_then(|w| w.text.as_deref()) {
                        if a == "-u" || a == "--unset" {
                            i += 2;
                        } else if a.starts_with('-') {
                            i += 1;
                        } else if let Some((k, v)) = a
                            .split_once('=')
                            .filter(|(k, _)| !k.is_empty() && !k.contains('/'))
                        {
                            self.vars.insert(k.to_string(), v.to_string());
                            i += 1;
                        } else {
                            break;
                        }
                    }
                }
                "export" | "local" | "declare" | "readonly" | "typeset" => {
                    for a in &words[i + 1..] {
                        if let Some((k, v)) = a.text.as_deref().and_then(|t| t.split_once('=')) {
                            self.vars.insert(k.to_string(), v.to_string());
                        }
                    }
                    return;
                }
                "nsenter" => {
                    let (rest, to_host) = nsenter(words, i + 1, self.ctx);
                    if to_host {
                        host = Some(self.entry(EntryKind::Nsenter, w));
                    }
                    if rest >= words.len() {
                        // No command: a shell reading stdin.
                        if let Some(s) = &stdin {
                            self.read_stdin(s, host, depth + 1);
                        }
                        return;
                    }
                    i = rest;
                }
                "chroot" => {
                    let mut j = i + 1;
                    while words
                        .get(j)
                        .and_then(|w| w.text.as_deref())
                        .is_some_and(|t| t.starts_with('-'))
                    {
                        j += 1;
                    }
                    let Some(dir) = words.get(j) else { return };
                    if dir.text.as_deref().is_some_and(|d| self.is_hostroot(d)) {
                        host = Some(self.entry(EntryKind::Chroot, w));
                    }
                    i = j + 1;
                    if i >= words.len() {
                        if let Some(s) = &stdin {
                            self.read_stdin(s, host, depth + 1);
                        }
                        return;
                    }
                }
                "." | "source" => {
                    let file = words.get(i + 1).and_then(|w| w.text.clone());
                    if let Some(f) = &file {
                        self.source_os_release(f, host);
                        if let Some(s) = self.written_script(f, host) {
                            self.script(&s, host, depth + 1);
                            return;
                        }
                    }
                    if let Some(p) = words
                        .get(i + 1)
                        .and_then(|w| w.text.clone())
                        .and_then(|p| self.file_path(p, host))
                    {
                        self.run_file(p, &words[i + 1], host);
                    }
                    return;
                }
                n if SHELLS.contains(&n) => {
                    self.shell(words, i, host, stdin, depth);
                    return;
                }
                _ => {
                    if text.contains('/')
                        && let Some(s) = self.written_script(text, host)
                    {
                        self.script(&s, host, depth + 1);
                        return;
                    }
                    if text.contains('/')
                        && let Some(p) = self.file_path(text.to_string(), host)
                        && self.ctx.cm_mounts.iter().any(|m| m.key_of(&p).is_some())
                    {
                        self.run_file(p, w, host);
                        return;
                    }
                    if let Some(p) = self.on_path(text, host) {
                        self.run_file(p, w, host);
                        return;
                    }
                    self.invocation(words, i, host, redirects);
                    return;
                }
            }
        }
    }

    fn shell(
        &mut self,
        words: &[W<'_>],
        i: usize,
        host: Option<usize>,
        stdin: Option<Stdin<'_>>,
        depth: usize,
    ) {
        let mut j = i + 1;
        let mut dash_c = false;
        let mut dash_s = false;
        while let Some(t) = words.get(j).and_then(|w| w.text.as_deref()) {
            if t == "--" {
                j += 1;
                break;
            }
            if t.starts_with('-') || t.starts_with('+') {
                if !t.starts_with("--") && t[1..].contains('c') {
                    dash_c = true;
                }
                // `-s`: the script comes on standard input, the words are its arguments.
                dash_s |= !t.starts_with("--") && t.starts_with('-') && t[1..].contains('s');
                if matches!(t, "-o" | "+o" | "-O" | "+O" | "--rcfile" | "--init-file") {
                    j += 1;
                }
                j += 1;
                if dash_c {
                    break;
                }
            } else {
                break;
            }
        }
        if dash_c {
            if let Some(body) = words.get(j)
                && let Some(s) = body.source()
            {
                self.script(&s, host, depth + 1)
            }
        } else if let Some(file) = words.get(j).filter(|_| !dash_s) {
            if let Some(s) = file
                .text
                .as_deref()
                .and_then(|p| self.written_script(p, host))
            {
                self.script(&s, host, depth + 1);
            } else if let Some(p) = file.text.clone().and_then(|p| self.file_path(p, host)) {
                self.run_file(p, file, host);
            }
        } else if let Some(s) = &stdin {
            self.read_stdin(s, host, depth + 1);
        }
    }

    fn read_stdin(&mut self, stdin: &Stdin<'_>, host: Option<usize>, depth: usize) {
        match stdin {
            Stdin::Text(s) => self.script(s, host, depth),
            Stdin::File(w) => {
                if let Some(p) = w.text.clone() {
                    self.run_file(p, w, host);
                }
            }
        }
    }

    fn run_file(&mut self, path: String, w: &W<'_>, host: Option<usize>) {
        // Each run keeps a copy of the variables: charged, as many runs of many variables add up.
        let size: usize = self.vars.iter().map(|(k, v)| k.len() + v.len()).sum();
        let mut vars: Vec<(String, String)> = if self.charge(size) {
            self.vars
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        } else {
            Vec::new()
        };
        vars.sort();
        let entry = host;
        let host = host.and_then(|h| self.out.entries.get(h).cloned());
        self.out.runs.push(ScriptRun {
            path,
            at: w.at.clone(),
            host,
            entry,
            vars,
        });
    }

    /// Whether paths are resolved in the host's filesystem (after nsenter/chroot), where the
    /// container's own mounts are not visible.
    fn in_host_fs(&self, host: Option<usize>) -> bool {
        host.and_then(|h| self.out.entries.get(h))
            .is_some_and(|e| e.kind != EntryKind::RootFlag && !e.inherited)
    }

    /// The container path of a script file named in context `host`: itself in the container's
    /// filesystem; on the host, only a ConfigMap file this script copied there.
    /// A program named without a path that a ConfigMap mount places in a directory of the
    /// container's `PATH` (its `env` value, else the images' default): the mounted script runs, as
    /// with a ConfigMap mounted by `subPath` at `/usr/local/bin/entrypoint.sh` and run as
    /// `entrypoint.sh`. The first directory of `PATH` that holds a mounted file decides; a binary of
    /// the image earlier in `PATH` cannot be seen from the manifest.
    fn on_path(&self, name: &str, host: Option<usize>) -> Option<String> {
        if self.ctx.cm_mounts.is_empty()
            || name.is_empty()
            || name.contains('/')
            || self.in_host_fs(host)
        {
            return None;
        }
        let path = self.ctx.env_value("PATH").unwrap_or(DEFAULT_PATH);
        path.split(':')
            .filter(|d| d.starts_with('/'))
            .map(|d| normalize(&format!("{d}/{name}")))
            .find(|p| self.ctx.cm_mounts.iter().any(|m| m.key_of(p).is_some()))
    }

    fn file_path(&self, p: String, host: Option<usize>) -> Option<String> {
        if !self.in_host_fs(host) {
            return Some(p);
        }
        self.copies.get(&normalize(&p)).cloned()
    }

    /// `cp /scripts/x.sh /host/tmp/` (ConfigMap file onto the mounted host root): remembered so
    /// that a later `chroot /host sh /tmp/x.sh` runs the ConfigMap's script.
    fn record_copy(&mut self, program: &str, args: &[Arg], host: Option<usize>) {
        if !matches!(program, "cp" | "install" | "rsync") || self.in_host_fs(host) {
            return;
        }
        let plain: Vec<&str> = args
            .iter()
            .filter_map(|a| a.text.as_deref())
            .filter(|t| !t.starts_with('-'))
            .collect();
        let [srcs @ .., dest] = plain.as_slice() else {
            return;
        };
        let Some(h) = self.ctx.via_hostroot(dest) else {
            return;
        };
        for src in srcs {
            if self.ctx.cm_mounts.iter().any(|m| m.key_of(src).is_some()) {
                let base = src.rsplit('/').next().unwrap_or(src);
                self.copies.insert(h.clone(), src.to_string());
                self.copies
                    .insert(normalize(&format!("{h}/{base}")), src.to_string());
            }
        }
    }

    fn entry(&mut self, kind: EntryKind, w: &W<'_>) -> usize {
        self.out.entries.push(Entry {
            kind,
            at: w.at.clone(),
            word: w.raw.clone(),
            inherited: false,
        });
        self.out.entries.len() - 1
    }

    fn is_hostroot(&self, dir: &str) -> bool {
        let d = normalize(dir);
        d == PID1_ROOT || self.ctx.hostroots.iter().any(|r| *r == d && r != "/")
    }

    fn invocation(
        &mut self,
        words: &[W<'_>],
        i: usize,
        mut host: Option<usize>,
        redirects: Option<(&Source, &[Redirect])>,
    ) {
        let w = &words[i];
        let program = basename(w.text.as_deref().unwrap_or("")).to_string();
        if program.is_empty() {
            return;
        }
        let args: Vec<Arg> = words[i + 1..].iter().map(W::arg).collect();
        // `--root=/host`, `--installroot /host`, `--sysroot=/host`: the host root passed to a tool.
        if host.is_none() {
            for (k, a) in args.iter().enumerate() {
                let Some(t) = a.text.as_deref() else { continue };
                let (flag, value) = match t.split_once('=') {
                    Some((f, v)) => (f, Some(v.to_string())),
                    None => (t, args.get(k + 1).and_then(|n| n.text.clone())),
                };
                if matches!(
                    flag,
                    "--root" | "--installroot" | "--sysroot" | "--root-dir"
                ) && value.is_some_and(|v| self.is_hostroot(&v))
                {
                    let pseudo = W {
                        text: Some(t.to_string()),
                        raw: t.to_string(),
                        at: a.at.clone(),
                        src: None,
                        dir: None,
                    };
                    host = Some(self.entry(EntryKind::RootFlag, &pseudo));
                    break;
                }
            }
        }
        self.record_copy(&program, &args, host);
        if program == "cd" {
            let dir = args
                .iter()
                .find_map(|a| a.text.as_deref().filter(|t| !t.starts_with('-')));
            self.cwd = dir.and_then(|d| self.absolute(d));
        }
        // What it writes: redirections, then the targets of the commands that write files.
        let mut paths: Vec<(String, Loc)> = Vec::new();
        if let Some((src, rs)) = redirects {
            for r in rs.iter().filter(|r| r.writes()) {
                if let Some(t) = &r.target
                    && let Some(v) = t
                        .resolve(&|n| self.lookup(n))
                        .or_else(|| t.known_dir(&|n| self.lookup(n)))
                {
                    paths.push((v, Self::loc(src, t.start, t.end)));
                }
            }
        }
        paths.extend(write_targets(&program, &args));
        let in_host_fs = host.is_some_and(|h| self.out.entries[h].kind != EntryKind::RootFlag);
        let mut writes = Vec::new();
        let mut targets = Vec::new();
        for (p, at) in paths {
            let Some(p) = self.absolute(&p) else { continue };
            if in_host_fs {
                writes.push((at, p));
                continue;
            }
            if let Some(hp) = self.ctx.via_hostroot(&p) {
                writes.push((at.clone(), hp));
            }
            targets.push((at, p));
        }
        self.out.invocations.push(Invocation {
            program,
            at: w.at.clone(),
            args,
            host,
            writes,
            targets,
            guard: self.guard.clone(),
        });
    }

    /// `. /etc/os-release` of the host's file: its values are those the host's profile states
    /// (`os_release`).
    fn source_os_release(&mut self, p: &str, host: Option<usize>) {
        let on_host = host
            .and_then(|h| self.out.entries.get(h))
            .is_some_and(|e| e.kind != EntryKind::RootFlag);
        let hp = if on_host {
            Some(normalize(p))
        } else {
            self.ctx.via_hostroot(p)
        };
        if hp.is_some_and(|hp| OS_RELEASE_FILES.contains(&hp.as_str())) {
            for (k, v) in self.profile.os_release_lines() {
                self.vars.insert(k, v);
            }
        }
    }

    /// `p` as an absolute normalised path: itself, or joined to a known working directory.
    fn absolute(&self, p: &str) -> Option<String> {
        if p.starts_with('/') {
            Some(normalize(p))
        } else if p.is_empty() || p.starts_with('~') || p.starts_with('-') {
            None
        } else {
            self.cwd.as_ref().map(|c| normalize(&format!("{c}/{p}")))
        }
    }
}

/// The files and directories a command writes, by its arguments (redirections aside): `cp`, `mv`,
/// `install`, `ln`, `rsync` targets, `tee`/`touch`/`mkdir`/`rm`/... operands, `chmod`/`chown`
/// files, `sed -i` files, `dd of=`, `tar -x -C`, `unzip -d`, `curl -o`, `wget -O`/`-P` (relative
/// paths as written; `.` for the working directory).
fn write_targets(program: &str, args: &[Arg]) -> Vec<(String, Loc)> {
    // Options that take the next word as their value, per program.
    let valued: &[&str] = match program {
        "install" => &["-m", "-o", "-g", "-S", "--mode", "--owner", "--group"],
        "cp" | "mv" | "ln" => &["-S", "--suffix"],
        "rsync" => &[
            "-e",
            "--rsh",
            "--exclude",
            "--include",
            "--chmod",
            "--chown",
        ],
        "truncate" => &["-s", "--size", "-r", "--reference"],
        "mkdir" => &["-m", "--mode"],
        "sed" => &["-e", "-f", "--expression", "--file", "-l"],
        "tar" => &["-f", "--file", "-T", "--files-from", "-X", "--exclude-from"],
        "unzip" => &["-x"],
        "curl" => &[
            "-H",
            "--header",
            "-d",
            "--data",
            "-u",
            "--user",
            "-A",
            "-e",
            "-X",
            "-w",
            "-m",
            "--retry",
            "--connect-timeout",
            "--max-time",
            "--cacert",
            "--cert",
            "--key",
            "-x",
            "--proxy",
            "-b",
            "-c",
            "-F",
            "--form",
            "-T",
            "--upload-file",
        ],
        "wget" => &[
            "-t",
            "--tries",
            "-T",
            "--timeout",
            "--header",
            "-U",
            "--user-agent",
            "-o",
            "--output-file",
            "-a",
            "--append-output",
        ],
        _ => &[],
    };
    let mut plain: Vec<&Arg> = Vec::new();
    // Values of options that name where the command writes.
    let mut named: Vec<(String, Loc)> = Vec::new();
    let mut i = 0;
    let mut only_operands = false;
    let value = |i: usize, t: &str, long: &str| -> Option<String> {
        t.strip_prefix(&format!("{long}="))
            .map(str::to_string)
            .or_else(|| {
                (t == long)
                    .then(|| args.get(i + 1).and_then(|a| a.text.clone()))
                    .flatten()
            })
    };
    let mut extract = false;
    let mut has_expr = false;
    while let Some(a) = args.get(i) {
        let Some(t) = a.text.as_deref() else {
            // A value not known whose directory is (`/lib/modules/$(uname -r)/`): an operand there.
            if a.dir.is_some() {
                plain.push(a);
            }
            i += 1;
            continue;
        };
        if only_operands || !t.starts_with('-') || t == "-" {
            // `tar xzf a.tgz`: the first word of tar is its option cluster.
            if program == "tar" && i == 0 && !t.starts_with('-') {
                extract |= t.contains('x');
                if t.contains('f') {
                    i += 1;
                }
                i += 1;
                continue;
            }
            if program == "dd" {
                if let Some(p) = t.strip_prefix("of=") {
                    named.push((p.to_string(), a.at.clone()));
                }
            } else {
                plain.push(a);
            }
            i += 1;
            continue;
        }
        if t == "--" {
            only_operands = true;
            i += 1;
            continue;
        }
        let next = args.get(i + 1);
        let at = next.map_or(a.at.clone(), |n| n.at.clone());
        match program {
            "cp" | "mv" | "install" | "ln" => {
                if let Some(d) = value(i, t, "--target-directory").or_else(|| value(i, t, "-t")) {
                    named.push((d, if t.contains('=') { a.at.clone() } else { at }));
                    i += if t.contains('=') { 1 } else { 2 };
                    continue;
                }
            }
            "tar" => {
                extract |=
                    t == "--extract" || t == "--get" || (!t.starts_with("--") && t.contains('x'));
                if let Some(d) = value(i, t, "--directory").or_else(|| value(i, t, "-C")) {
                    named.push((d, if t.contains('=') { a.at.clone() } else { at }));
                    i += if t.contains('=') { 1 } else { 2 };
                    continue;
                }
                // `-xzf file`: a cluster ending in `f` takes the archive name.
                if !t.starts_with("--") && t.ends_with('f') {
                    i += 2;
                    continue;
                }
            }
            "unzip" if t == "-d" => {
                if let Some(d) = next.and_then(|n| n.text.clone()) {
                    named.push((d, at));
                }
                i += 2;
                continue;
            }
            "curl" => {
                if let Some(f) = value(i, t, "--output").or_else(|| value(i, t, "--output-dir")) {
                    named.push((f, if t.contains('=') { a.at.clone() } else { at }));
                    i += if t.contains('=') { 1 } else { 2 };
                    continue;
                }
                // `-o FILE`, `-sSLo FILE`, `-oFILE`.
                if !t.starts_with("--") {
                    if let Some(k) = t.find('o') {
                        if k + 1 < t.len() {
                            named.push((t[k + 1..].to_string(), a.at.clone()));
                            i += 1;
                        } else {
                            if let Some(f) = next.and_then(|n| n.text.clone()) {
                                named.push((f, at));
                            }
                            i += 2;
                        }
                        continue;
                    }
                    if t.contains('O') {
                        named.push((".".into(), a.at.clone()));
                    }
                }
            }
            "wget" => {
                if let Some(f) = value(i, t, "--output-document")
                    .or_else(|| value(i, t, "--directory-prefix"))
                    .or_else(|| value(i, t, "-O"))
                    .or_else(|| value(i, t, "-P"))
                {
                    named.push((f, if t.contains('=') { a.at.clone() } else { at }));
                    i += if t.contains('=') { 1 } else { 2 };
                    continue;
                }
            }
            "sed" => has_expr |= matches!(t, "-e" | "-f" | "--expression" | "--file"),
            _ => {}
        }
        i += if valued.contains(&t) { 2 } else { 1 };
    }
    let mut out = named;
    let operand = |a: &&Arg| {
        a.text
            .clone()
            .or_else(|| a.dir.clone())
            .map(|t| (t, a.at.clone()))
    };
    match program {
        "tee" | "touch" | "mkdir" | "truncate" | "rm" | "rmdir" | "unlink" | "shred" => {
            out.extend(plain.iter().filter_map(operand))
        }
        "cp" | "mv" | "install" | "ln" | "rsync" if out.is_empty() && plain.len() >= 2 => {
            out.extend(plain.last().and_then(operand))
        }
        "chmod" | "chown" | "chgrp" | "chcon" => {
            out.extend(plain.iter().skip(1).filter_map(operand))
        }
        "sed"
            if args.iter().any(|a| {
                a.text
                    .as_deref()
                    .is_some_and(|t| t.starts_with("-i") || t.starts_with("--in-place"))
            }) =>
        {
            out.extend(
                plain
                    .iter()
                    .skip(usize::from(!has_expr))
                    .filter_map(operand),
            )
        }
        "tar" if !extract => out.clear(),
        "tar" | "unzip" if out.is_empty() => out.push((
            ".".into(),
            args.first().map_or_else(
                || Loc {
                    span: Span::default(),
                    via: None,
                    path: String::new(),
                    origin: None,
                },
                |a| a.at.clone(),
            ),
        )),
        "wget" if out.is_empty() => {
            out.extend(args.first().map(|a| (".".to_string(), a.at.clone())))
        }
        _ => {}
    }
    out
}

/// Both guards: one that never runs dominates.
fn combine(outer: Option<Guard>, inner: Option<Guard>) -> Option<Guard> {
    match (outer, inner) {
        (Some(Guard::Never(t)), _) | (_, Some(Guard::Never(t))) => Some(Guard::Never(t)),
        (Some(g), _) | (None, Some(g)) => Some(g),
        (None, None) => None,
    }
}

/// A condition's text as written, on one line and short (a `case` arm as `case W in P|Q)`).
fn cond_text(src: &Source, parsed: &Script, cond: &shell::Cond) -> String {
    let raw = |w: &Word| match src.text.get(w.start..w.end) {
        Some(t) if w.start < w.end => t.to_string(),
        _ => w.unquoted.clone(),
    };
    let mut parts = Vec::new();
    for (conn, i) in &cond.items {
        let Some(c) = parsed.commands.get(*i) else {
            continue;
        };
        match conn {
            Conn::And => parts.push("&&".to_string()),
            Conn::Or => parts.push("||".to_string()),
            Conn::Pipe => parts.push("|".to_string()),
            Conn::First => {}
        }
        let synthetic = c.words.first().is_some_and(|w| w.start == w.end);
        if synthetic {
            // `[[ S == P || S == Q ]]` built from a case arm.
            let subject = c.words.get(1).map(raw).unwrap_or_default();
            let pats: Vec<String> = c
                .words
                .chunks(4)
                .filter_map(|ch| ch.get(3).filter(|w| w.start != w.end).map(raw))
                .collect();
            parts.push(format!("case {subject} in {})", pats.join("|")));
        } else {
            parts.extend(c.words.iter().map(raw));
        }
    }
    let one: String = parts
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    match one.char_indices().nth(80) {
        Some((k, _)) => format!("{}...", &one[..k]),
        None => one,
    }
}

/// A `test`/`[`/`[[` expression, evaluated on the host when it can be: `!`, `-a`/`-o`, `&&`/`||`,
/// file tests of host paths, string (in)equality and `[[ == ]]` globs of known values.
fn test_expr(
    words: &[Option<&str>],
    host_path: &dyn Fn(&str) -> Option<String>,
    profile: &Profile,
) -> Option<bool> {
    // Split at the lowest-binding operators first (left-associative, as test and [[ ]] read them):
    // `-o`/`||` is true when either side is, `-a`/`&&` false when either side is.
    for (ops, decisive) in [(["-o", "||"], true), (["-a", "&&"], false)] {
        if let Some(k) = words
            .iter()
            .rposition(|w| w.is_some_and(|w| ops.contains(&w)))
            .filter(|&k| k > 0)
        {
            let (a, b) = (
                test_expr(&words[..k], host_path, profile),
                test_expr(&words[k + 1..], host_path, profile),
            );
            return match (a, b) {
                (Some(v), _) | (_, Some(v)) if v == decisive => Some(decisive),
                (Some(_), Some(_)) => Some(!decisive),
                _ => None,
            };
        }
    }
    match words {
        [Some("!"), rest @ ..] => test_expr(rest, host_path, profile).map(|v| !v),
        [Some("("), inner @ .., Some(")")] => test_expr(inner, host_path, profile),
        [Some(op), path]
            if op.len() == 2 && op.starts_with('-') && "efdxsrwLhS".contains(&op[1..]) =>
        {
            let p = host_path((*path)?)?;
            profile.file_exists(&p)
        }
        [Some("-n"), v] => v.map(|v| !v.is_empty()),
        [Some("-z"), v] => v.map(str::is_empty),
        [a, Some(op), b] if matches!(*op, "=" | "==" | "!=") => {
            let (a, b) = ((*a)?, (*b)?);
            let eq = glob_match(b, a);
            Some(if *op == "!=" { !eq } else { eq })
        }
        _ => None,
    }
}

/// `[[ a == pattern ]]` with `*` and `?` wildcards; other text is literal.
fn glob_match(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some((b'*', rest)) => (0..=t.len()).any(|k| go(rest, &t[k..])),
            Some((b'?', rest)) => !t.is_empty() && go(rest, &t[1..]),
            Some((c, rest)) => t.first() == Some(c) && go(rest, &t[1..]),
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

/// Reads `nsenter`'s options from `i`: where its command starts, and whether it enters PID 1's mount
/// namespace (`-t 1 -m`, `--target=1 --mount`, `--mount=/proc/1/ns/mnt`, `-a`). Options are read as a
/// shell passes them: `"-t 1"` as one item, `-t1`, `--target=1`, combined short flags (`-mt1`,
/// `-mut 1`); a namespace file counts when it is the host's (see [`Ctx::host_pid1_ns`]).
fn nsenter(words: &[W<'_>], mut i: usize, ctx: &Ctx) -> (usize, bool) {
    let mut target1 = false;
    let mut mount = false;
    let mut mount_file = false;
    let is_one = |v: &str| v.trim() == "1";
    while let Some(t) = words.get(i).and_then(|w| w.text.as_deref()) {
        if t == "--" {
            i += 1;
            break;
        }
        if !t.starts_with('-') || t == "-" {
            break;
        }
        let next = || words.get(i + 1).and_then(|w| w.text.as_deref());
        if let Some(long) = t.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            match (name, value) {
                ("target", Some(v)) => target1 |= is_one(v),
                ("target", None) => {
                    target1 |= next().is_some_and(is_one);
                    i += 1;
                }
                ("mount", Some(f)) => mount_file |= ctx.host_pid1_ns(f, "mnt"),
                ("mount" | "all", None) => mount = true,
                ("setuid" | "setgid", None) => i += 1,
                _ => {}
            }
            i += 1;
            continue;
        }
        // A cluster of short options; one that takes a value takes the rest of the item, or the
        // next item when it ends the cluster (`-t 1`, `-t1`, `"-t 1"`, `-mt1`, `-mut 1`).
        let body = &t[1..];
        let mut consumed_next = false;
        for (k, ch) in body.char_indices() {
            let rest = &body[k + ch.len_utf8()..];
            match ch {
                't' | 'S' | 'G' => {
                    let v = if rest.is_empty() {
                        consumed_next = true;
                        next()
                    } else {
                        Some(rest)
                    };
                    if ch == 't' {
                        target1 |= v.is_some_and(is_one);
                    }
                    break;
                }
                'm' | 'u' | 'i' | 'n' | 'p' | 'U' | 'C' | 'T' | 'r' | 'w'
                    if !rest.is_empty() && (rest.starts_with('/') || rest.starts_with('=')) =>
                {
                    // `-m/proc/1/ns/mnt`: an optional namespace file, attached.
                    if ch == 'm' {
                        mount_file |= ctx.host_pid1_ns(rest.trim_start_matches('='), "mnt");
                    }
                    break;
                }
                'm' | 'a' => mount = true,
                _ => {}
            }
        }
        i += if consumed_next { 2 } else { 1 };
    }
    (i, (target1 && mount) || mount_file)
}

/// Skips options from `i`; `with_value` take the next word.
fn skip_opts(words: &[W<'_>], mut i: usize, with_value: &[&str]) -> usize {
    while let Some(t) = words.get(i).and_then(|w| w.text.as_deref()) {
        if t == "--" {
            return i + 1;
        }
        if !t.starts_with('-') || t == "-" {
            break;
        }
        i += if with_value.contains(&t) { 2 } else { 1 };
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_expressions_combine_like_test_and_double_brackets() {
        let acl = crate::host::profile::named("acl").unwrap();
        let eval = |w: &[Option<&str>]| test_expr(w, &|p: &str| Some(p.to_string()), &acl);
        fn t(s: &str) -> Vec<Option<&str>> {
            s.split(' ').map(Some).collect()
        }
        assert_eq!(eval(&t("a = a -o a = b")), Some(true));
        assert_eq!(eval(&t("a = b || c = d")), Some(false));
        assert_eq!(eval(&t("a = a -a b = b")), Some(true));
        assert_eq!(eval(&t("a = b && x = x")), Some(false));
        // An unknown side decides nothing unless the known side is decisive.
        let unknown_or = [
            None,
            Some("="),
            Some("a"),
            Some("-o"),
            Some("a"),
            Some("="),
            Some("b"),
        ];
        assert_eq!(eval(&unknown_or), None);
        let unknown_and = [
            None,
            Some("="),
            Some("a"),
            Some("-a"),
            Some("a"),
            Some("="),
            Some("b"),
        ];
        assert_eq!(eval(&unknown_and), Some(false));
        // `-o` binds looser than `-a`: a = b -a x = x -o c = c is (false and true) or true.
        assert_eq!(eval(&t("a = b -a x = x -o c = c")), Some(true));
        assert_eq!(eval(&t("! a = b")), Some(true));
    }
    use crate::model::workload::pod_specs;
    use crate::parse::Limits;
    use crate::parse::yaml::{parse_chunk, split};

    fn scripts(y: &str) -> Vec<ContainerScript> {
        let chunk = split(y.as_bytes()).next().unwrap();
        let doc = parse_chunk(chunk, &Limits::default())
            .pop()
            .unwrap()
            .unwrap();
        let pods = pod_specs(&doc.root, "");
        container_scripts(
            &pods,
            doc.text,
            doc.first_line,
            &crate::host::Hosts::default().active,
        )
    }

    #[test]
    fn nsenter_block_scalar_positions() {
        let y = "kind: Pod\nspec:\n  containers:\n  - name: c\n    command:\n    - nsenter\n    - --target\n    - \"1\"\n    - --mount\n    - --\n    - sh\n    - -c\n    - |\n      apt update\n      echo apt-get install x\n      sudo /usr/bin/apt-get install -y y # apt-get\n";
        let s = &scripts(y)[0];
        assert_eq!(s.entries.len(), 1);
        assert_eq!(s.entries[0].at.span.start, Pos::new(6, 7));
        let apt: Vec<_> = s
            .invocations
            .iter()
            .filter(|i| i.program.starts_with("apt"))
            .collect();
        assert_eq!(apt.len(), 2);
        assert_eq!(apt[0].at.span.start, Pos::new(14, 7));
        assert_eq!(apt[1].at.span.start, Pos::new(16, 12));
        assert!(apt.iter().all(|i| i.host == Some(0)));
    }

    #[test]
    fn kubernetes_expands_env_in_command_before_the_shell() {
        let y = "kind: Pod\nspec:\n  volumes:\n  - name: r\n    hostPath: {path: /}\n  containers:\n  - name: c\n    env:\n    - {name: ROOT, value: /host}\n    volumeMounts:\n    - {name: r, mountPath: /host}\n    command: [chroot, $(ROOT), sh, -c, 'apk add x; echo $$(ROOT)']\n";
        let s = &scripts(y)[0];
        let apk = s.invocations.iter().find(|i| i.program == "apk").unwrap();
        assert!(apk.host.is_some());
        assert_eq!(apk.at.span.start, Pos::new(12, 41));
    }

    #[test]
    fn eval_and_su_bodies_are_scripts() {
        let y = "kind: Pod\nspec:\n  containers:\n  - name: c\n    command: [nsenter, -t, '1', -m, --, sh, -c, 'eval \"apk add a\"; su root -c \"yum install b\"']\n";
        let s = &scripts(y)[0];
        for p in ["apk", "yum"] {
            assert!(
                s.invocations
                    .iter()
                    .find(|i| i.program == p)
                    .is_some_and(|i| i.host.is_some()),
                "{p}"
            );
        }
    }

    #[test]
    fn bash_dash_s_reads_its_script_from_stdin() {
        let y = "kind: Pod\nspec:\n  containers:\n  - name: c\n    command:\n    - sh\n    - -c\n    - |\n      nsenter -t 1 -m -- bash -s arg <<'EOF'\n      zypper in -y x\n      EOF\n";
        let s = &scripts(y)[0];
        let z = s
            .invocations
            .iter()
            .find(|i| i.program == "zypper")
            .unwrap();
        assert!(z.host.is_some());
        assert_eq!(z.at.span.start, Pos::new(10, 7));
    }

    #[test]
    fn chroot_into_pid1_root() {
        let y = "kind: Pod\nspec:\n  hostPID: true\n  containers:\n  - name: c\n    command: [sh, -c, 'chroot /proc/1/root yum install -y x; cp f /proc/1/root/usr/bin/']\n";
        let s = &scripts(y)[0];
        assert!(
            s.invocations
                .iter()
                .find(|i| i.program == "yum")
                .unwrap()
                .host
                .is_some()
        );
        assert_eq!(
            s.invocations
                .iter()
                .find(|i| i.program == "cp")
                .unwrap()
                .writes[0]
                .1,
            "/usr/bin"
        );
    }

    #[test]
    fn nsenter_forms_that_reach_the_host() {
        let run_in = |cmd: &str, host_pid: bool| {
            let y = format!(
                "kind: Pod\nspec:\n  hostPID: {host_pid}\n  containers:\n  - name: c\n    command: [sh, -c, '{cmd} -- yum install x']\n"
            );
            scripts(&y)[0]
                .invocations
                .iter()
                .find(|i| i.program == "yum")
                .is_some_and(|i| i.host.is_some())
        };
        let run = |cmd: &str| run_in(cmd, true);
        // The literal /proc/1 is the container's own PID 1 without hostPID.
        assert!(!run_in("nsenter --mount=/proc/1/ns/mnt", false));
        assert!(!run_in("nsenter -m/proc/1/ns/mnt", false));
        for yes in [
            "nsenter -t 1 -m",
            "nsenter -mt1",
            "nsenter -mut 1",
            "nsenter \"-t 1\" -m",
            "nsenter -t1 -m",
            "nsenter --target 1 --mount",
            "nsenter --target=1 -m -u -n",
            "nsenter --mount=/proc/1/ns/mnt",
            "nsenter -m/proc/1/ns/mnt",
            "sudo nsenter -a -t 1",
        ] {
            assert!(run(yes), "{yes}");
        }
        for no in [
            "nsenter -t 1 -n",
            "nsenter -t 2 -m",
            "nsenter --net=/proc/1/ns/net",
            "echo nsenter -t 1 -m",
        ] {
            assert!(!run(no), "{no}");
        }
    }

    #[test]
    fn chroot_through_env_and_hostroot_writes() {
        let y = "kind: Pod\nspec:\n  volumes:\n  - name: r\n    hostPath: {path: /}\n  containers:\n  - name: c\n    env:\n    - {name: ROOT, value: /host}\n    volumeMounts:\n    - {name: r, mountPath: /host}\n    command: [bash, -c, 'D=$ROOT; chroot \"$D\" yum install -y x; cp a /host/usr/local/bin/; apk add z']\n";
        let s = &scripts(y)[0];
        let yum = s.invocations.iter().find(|i| i.program == "yum").unwrap();
        assert!(yum.host.is_some());
        assert_eq!(yum.at.span.start, Pos::new(12, 47));
        let cp = s.invocations.iter().find(|i| i.program == "cp").unwrap();
        assert_eq!(cp.writes[0].1, "/usr/local/bin");
        assert!(
            s.invocations
                .iter()
                .find(|i| i.program == "apk")
                .unwrap()
                .host
                .is_none()
        );
    }
}
