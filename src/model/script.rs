//! What each container runs, and where: every command its `command`/`args` (and the scripts those
//! run) execute, with whether it runs *in host context* — under `nsenter` into PID 1's mount
//! namespace, under `chroot` into a hostPath-mounted host root, or with that root passed to
//! `--root`/`--installroot`/`--sysroot`. Rules read [`ContainerScript`]s; they never parse text.

use std::collections::HashMap;

use crate::model::workload::{Container, PodSpec, Source as VolSource, is_under, normalize};
use crate::parse::node::{Node, pointer};
use crate::parse::shell::{self, DocIndex, Redirect, Script, Source, Word};
use crate::rules::{Hit, Note};
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
        Hit {
            span: at.span,
            via: at.via.clone(),
            path: at.path.clone(),
            message,
            container: (!self.container.is_empty()).then(|| self.container.clone()),
            notes,
            fix: None,
        }
    }

    /// Adds `hit` unless an identical one is there (commands reached through one alias all report
    /// at its use site).
    pub fn push(out: &mut Vec<Hit>, hit: Hit) {
        // Duplicates come from one container's script: look back over its hits only.
        if !out
            .iter()
            .rev()
            .take_while(|h| h.container == hit.container)
            .any(|h| h.span == hit.span && h.message == hit.message)
        {
            out.push(hit);
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
    /// The context of a container of a pod.
    pub fn of(pod: &PodSpec<'_>, c: &Container<'_>) -> Ctx {
        let mut ctx = Ctx::default();
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

/// PID 1's root directory: the host's `/` when the pod shares the host's PID namespace (as the
/// `nsenter -t 1` pattern also assumes).
const PID1_ROOT: &str = "/proc/1/root";

/// The scripts of every container of the pods, with positions in the document `doc`.
pub fn container_scripts(pods: &[PodSpec<'_>], doc: &str, first_line: u32) -> Vec<ContainerScript> {
    let mut out = Vec::new();
    if pods
        .iter()
        .all(|p| p.containers.iter().all(|c| c.node.get("command").is_none()))
    {
        return out_default(pods);
    }
    let index = DocIndex::new(doc, first_line);
    for pod in pods {
        for c in &pod.containers {
            let ctx = Ctx::of(pod, c);
            let mut a = Analyzer::new(&ctx, c.name.clone(), None);
            let mut argv: Vec<W<'_>> = Vec::new();
            for key in ["command", "args"] {
                let base = pointer(&c.path, key);
                for (i, n) in c
                    .node
                    .get(key)
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    let path = crate::parse::node::pointer_idx(&base, i);
                    a.here.set(n.span.start);
                    let lookup = |name: &str| {
                        let v = ctx.env.iter().rev().find(|(k, _)| k == name)?;
                        a.charge(v.1.len()).then(|| v.1.clone())
                    };
                    let src = Source::from_scalar(n, &index, &path).map(|s| s.expand_k8s(&lookup));
                    let text = src
                        .as_ref()
                        .map(|s| s.text.clone())
                        .or_else(|| n.as_str().map(str::to_string));
                    let at = Loc {
                        span: n.report_span(),
                        via: n.via.as_deref().cloned(),
                        path,
                        origin: n.via.is_some().then_some(n.span.start),
                    };
                    argv.push(W {
                        raw: text.clone().unwrap_or_default(),
                        text,
                        at,
                        src: src.map(SrcRef::Owned),
                    });
                }
            }
            if c.node.get("command").is_some() && !argv.is_empty() {
                a.exec(&argv, None, None, None, 0);
            }
            out.push(a.finish());
        }
    }
    out
}

/// One empty script per container (nothing runs a command of its own).
fn out_default(pods: &[PodSpec<'_>]) -> Vec<ContainerScript> {
    pods.iter()
        .flat_map(|p| p.containers.iter())
        .map(|c| ContainerScript {
            container: c.name.clone(),
            ..Default::default()
        })
        .collect()
}

/// Analyses a script file's text as run by a container (a ConfigMap script), optionally already in
/// host context.
pub fn analyse_file(
    src: &Source,
    ctx: &Ctx,
    container: &str,
    runner: String,
    host: Option<Entry>,
    vars: &[(String, String)],
) -> ContainerScript {
    let mut a = Analyzer::new(ctx, container.to_string(), Some(runner));
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
}

impl W<'_> {
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
        }
    }
}

fn basename(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh", "mksh"];

/// Commands one container's analysis follows (function calls and nested shells multiply them).
const MAX_COMMANDS: usize = 20_000;
/// Bytes that expanding shell and `$(VAR)` variables may produce in one container's analysis:
/// `X=$X$X`, repeated, doubles at each line.
const MAX_EXPANDED_BYTES: usize = 32 << 20;

/// What a budget cut off in a script.
#[derive(Clone, Copy, Debug)]
enum Cut {
    Commands,
    Expansion,
}

struct Analyzer<'c> {
    ctx: &'c Ctx,
    vars: HashMap<String, String>,
    out: ContainerScript,
    /// Commands left to follow (see [`MAX_COMMANDS`]).
    budget: usize,
    /// Bytes variable expansion may still produce (see [`MAX_EXPANDED_BYTES`]).
    expand_left: std::cell::Cell<usize>,
    /// Where the command being followed is (a cut-off is reported there).
    here: std::cell::Cell<Pos>,
    /// The first cut-off: where, and what.
    cut: std::cell::Cell<Option<(Pos, Cut)>>,
    /// ConfigMap files copied onto the host root: host path → container path.
    copies: HashMap<String, String>,
}

impl<'c> Analyzer<'c> {
    fn new(ctx: &'c Ctx, container: String, runner: Option<String>) -> Self {
        Analyzer {
            ctx,
            vars: HashMap::new(),
            out: ContainerScript {
                container,
                runner,
                ..Default::default()
            },
            budget: MAX_COMMANDS,
            expand_left: std::cell::Cell::new(MAX_EXPANDED_BYTES),
            here: std::cell::Cell::new(Pos::default()),
            cut: std::cell::Cell::new(None),
            copies: HashMap::new(),
        }
    }

    /// A variable's value (a shell variable, else the container's env), charged to the budget.
    fn lookup(&self, name: &str) -> Option<String> {
        let v = self.vars.get(name).map(String::as_str).or_else(|| {
            self.ctx
                .env
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        })?;
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

    /// The analysis result, with what a budget cut off.
    fn finish(mut self) -> ContainerScript {
        self.out.cut = self.cut.get().map(|(pos, what)| {
            let message = match what {
                Cut::Commands => format!(
                    "the script runs more than {MAX_COMMANDS} commands (calls that fan out?): the rest is not checked"
                ),
                Cut::Expansion => format!(
                    "shell variables expand to more than {} MiB (a variable that doubles?): values from here on are not checked",
                    MAX_EXPANDED_BYTES >> 20
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
        W {
            text,
            raw: w.unquoted.clone(),
            at: Self::loc(src, w.start, w.end),
            src: Some(SrcRef::Sub(src, w.start, w.end)),
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
            for (name, value) in &cmd.assigns {
                if let Some(v) = value.resolve(&|n| self.lookup(n)) {
                    self.vars.insert(name.clone(), v);
                } else {
                    self.vars.remove(name);
                }
            }
            let words: Vec<W<'_>> = cmd.words.iter().map(|w| self.word(src, w)).collect();
            if words.is_empty() {
                continue;
            }
            let name = words[0].text.as_deref().unwrap_or("");
            if let Some(fi) = parsed.functions.iter().position(|f| f == name) {
                if calls < 4 {
                    let body: Vec<usize> = (0..parsed.commands.len())
                        .filter(|&i| parsed.commands[i].func == Some(fi))
                        .collect();
                    self.commands(src, parsed, &body, host, depth, calls + 1);
                }
                continue;
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
            let redirects = (src, cmd.redirects.as_slice());
            self.exec(&words, host, stdin, Some(redirects), depth);
        }
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
                    let (rest, to_host) = nsenter(words, i + 1);
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
                        && let Some(p) = self.file_path(text.to_string(), host)
                        && self.ctx.cm_mounts.iter().any(|m| m.key_of(&p).is_some())
                    {
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
            if let Some(p) = file.text.clone().and_then(|p| self.file_path(p, host)) {
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
                    };
                    host = Some(self.entry(EntryKind::RootFlag, &pseudo));
                    break;
                }
            }
        }
        self.record_copy(&program, &args, host);
        let mut writes = Vec::new();
        let mut target = |p: &str, at: &Loc| {
            if !p.starts_with('/') {
                return;
            }
            let hp = if host.is_some_and(|h| self.out.entries[h].kind != EntryKind::RootFlag) {
                Some(normalize(p))
            } else {
                self.ctx.via_hostroot(p)
            };
            if let Some(hp) = hp {
                writes.push((at.clone(), hp));
            }
        };
        if let Some((src, rs)) = redirects {
            for r in rs.iter().filter(|r| r.writes()) {
                if let Some(t) = &r.target
                    && let Some(v) = t.resolve(&|n| self.lookup(n))
                {
                    target(&v, &Self::loc(src, t.start, t.end));
                }
            }
        }
        let plain: Vec<&Arg> = args
            .iter()
            .filter(|a| a.text.as_deref().is_some_and(|t| !t.starts_with('-')))
            .collect();
        match program.as_str() {
            "tee" | "touch" | "mkdir" | "truncate" => plain
                .iter()
                .for_each(|a| target(a.text.as_deref().unwrap_or(""), &a.at)),
            "cp" | "mv" | "install" | "ln" | "rsync" => {
                if let Some(a) = plain.last().filter(|_| plain.len() >= 2) {
                    target(a.text.as_deref().unwrap_or(""), &a.at);
                }
            }
            "sed"
                if args.iter().any(|a| {
                    a.text
                        .as_deref()
                        .is_some_and(|t| t.starts_with("-i") || t == "--in-place")
                }) =>
            {
                plain
                    .iter()
                    .skip(1)
                    .for_each(|a| target(a.text.as_deref().unwrap_or(""), &a.at));
            }
            "dd" => plain.iter().for_each(|a| {
                if let Some(p) = a.text.as_deref().and_then(|t| t.strip_prefix("of=")) {
                    target(p, &a.at);
                }
            }),
            _ => {}
        }
        self.out.invocations.push(Invocation {
            program,
            at: w.at.clone(),
            args,
            host,
            writes,
        });
    }
}

/// Reads `nsenter`'s options from `i`: where its command starts, and whether it enters PID 1's mount
/// namespace (`-t 1 -m`, `--target=1 --mount`, `--mount=/proc/1/ns/mnt`, `-a`).
fn nsenter(words: &[W<'_>], mut i: usize) -> (usize, bool) {
    let mut target1 = false;
    let mut mount = false;
    let mut mount_file = false;
    while let Some(t) = words.get(i).and_then(|w| w.text.as_deref()) {
        if t == "--" {
            i += 1;
            break;
        }
        if !t.starts_with('-') {
            break;
        }
        let next = || words.get(i + 1).and_then(|w| w.text.as_deref());
        match t {
            "-t" | "--target" => {
                target1 |= next() == Some("1");
                i += 2;
                continue;
            }
            "-m" | "--mount" => mount = true,
            "-a" | "--all" => mount = true,
            "-S" | "-G" | "--setuid" | "--setgid" | "-w" | "-r" | "--wd" | "--root" => {
                if matches!(t, "-S" | "-G" | "--setuid" | "--setgid") {
                    i += 1;
                }
            }
            _ => {
                if let Some(v) = t
                    .strip_prefix("--target=")
                    .or_else(|| t.strip_prefix("-t").filter(|v| !v.is_empty()))
                {
                    target1 |= v == "1";
                } else if let Some(f) = t
                    .strip_prefix("--mount=")
                    .or_else(|| t.strip_prefix("-m").filter(|v| !v.is_empty()))
                {
                    mount_file |= normalize(f) == "/proc/1/ns/mnt";
                } else if t.len() > 2 && !t.starts_with("--") {
                    // Combined short flags such as `-mnt` or `-t1m`.
                    mount |= t.contains('m') || t.contains('a');
                }
            }
        }
        i += 1;
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
        container_scripts(&pods, doc.text, doc.first_line)
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
        let run = |cmd: &str| {
            let y = format!(
                "kind: Pod\nspec:\n  containers:\n  - name: c\n    command: [sh, -c, '{cmd} -- yum install x']\n"
            );
            scripts(&y)[0]
                .invocations
                .iter()
                .find(|i| i.program == "yum")
                .is_some_and(|i| i.host.is_some())
        };
        for yes in [
            "nsenter -t 1 -m",
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
