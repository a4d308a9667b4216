//! az CLI in shell scripts and in the shell blocks of Markdown: `az aks create`, `az aks nodepool
//! add/update`, `az aks update`, `az feature register`.
//!
//! Words are split as bash splits them (quotes, backslash escapes, line continuations, comments,
//! `;`, `&&`, `||`, `|`), and `NAME=value` assignments are remembered in order so that
//! `--node-vm-size $NODE_VM_SIZE` resolves to the value as written (reported there, noting the line
//! that uses it). `${VAR:-default}` and friends fall back to their default when `VAR` is unset.

use std::collections::HashMap;

use crate::model::nodepool::{Cluster, Pool, Val};
use crate::source::{LineIndex, Span};

/// A word: its unquoted text, byte range, and whether any of it was quoted.
#[derive(Clone, Debug)]
struct Word {
    text: String,
    start: usize,
    end: usize,
    /// Byte range of the text of a plain or quoted word, for resolving `$VAR` inside it.
    raw: String,
    /// Single-quoted words never expand.
    literal: bool,
}

/// Reads the clusters and pools a shell script defines through the az CLI.
pub fn read(text: &str) -> Vec<Cluster> {
    let idx = LineIndex::new(text);
    let mut vars: HashMap<String, Val> = HashMap::new();
    let mut repeats: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for cmd in commands(text) {
        let mut words = cmd.as_slice();
        // Leading assignments: alone they set shell variables.
        let assigns = words.iter().take_while(|w| assignment(w).is_some()).count();
        if assigns == words.len() {
            assign(words, &mut vars, &idx);
            continue;
        }
        words = &words[assigns..];
        if let Some(first) = words.first()
            && (first.text == "export"
                || first.text == "readonly"
                || first.text == "local"
                || first.text == "declare")
        {
            assign(&words[1..], &mut vars, &idx);
            continue;
        }
        while let Some(first) = words.first()
            && (first.text == "sudo" || first.text == "command" || first.text == "time")
        {
            words = &words[1..];
        }
        let Some(az) = words.first() else { continue };
        if az.text != "az" && !az.text.ends_with("/az") {
            continue;
        }
        let args = &words[1..];
        let sub: Vec<&str> = args
            .iter()
            .take_while(|w| !w.text.starts_with('-'))
            .map(|w| w.text.as_str())
            .collect();
        let mut opts = Opts::parse(&args[sub.len()..], &vars, &idx);
        // A path without line numbers (fingerprints must survive edits elsewhere): the command, the
        // cluster and the pool it names.
        let named = |names: &[&str]| opts.get(names).map(|v| v.text).unwrap_or_default();
        let base = format!("/az/{}", sub.join("-"));
        let path = match sub.as_slice() {
            ["aks", "nodepool", ..] => {
                let cluster = super::node::pointer(&base, &named(&["--cluster-name"]));
                super::node::pointer(&cluster, &named(&["--name", "-n", "--nodepool-name"]))
            }
            _ => super::node::pointer(&base, &named(&["--name", "-n"])),
        };
        // The same command on the same names again (a runbook that repeats it) is its own
        // finding: its path counts the repeats.
        let seen = repeats.entry(path.clone()).or_insert(0usize);
        *seen += 1;
        let path = if *seen > 1 {
            format!("{path}@{seen}")
        } else {
            path
        };
        opts.set_paths(&path);
        let span = idx.span(az.start, cmd.last().map_or(az.end, |w| w.end));
        let before = out.len();
        match sub.as_slice() {
            ["aks", "create"] => {
                let mut pool = opts.pool(&path, span);
                pool.name = opts.get(&["--nodepool-name"]);
                pool.tags = opts.tags("--nodepool-tags");
                out.push(Cluster {
                    kind: "az aks create".into(),
                    name: opts
                        .get(&["--name", "-n"])
                        .map(|v| v.text)
                        .unwrap_or_default(),
                    kubernetes_version: opts.get(&["--kubernetes-version", "-k"]),
                    node_os_upgrade_channel: opts.get(&["--node-os-upgrade-channel"]),
                    pools: vec![pool],
                    span,
                    path,
                    ..Cluster::default()
                });
            }
            ["aks", "nodepool", verb @ ("add" | "update")] => {
                let mut pool = opts.pool(&path, span);
                pool.name = opts.get(&["--name", "-n", "--nodepool-name"]);
                pool.tags = opts.tags("--tags");
                pool.orchestrator_version = opts.get(&["--kubernetes-version", "-k"]);
                if *verb == "update" {
                    pool.update = pool.os_sku.clone();
                }
                out.push(opts.pool_cluster(format!("az aks nodepool {verb}"), pool, span, path));
            }
            ["aks", "upgrade"] => out.push(Cluster {
                kind: "az aks upgrade".into(),
                name: opts
                    .get(&["--name", "-n"])
                    .map(|v| v.text)
                    .unwrap_or_default(),
                // `--node-image-only` changes no version: nothing to check.
                kubernetes_version: opts
                    .get(&["--node-image-only"])
                    .is_none()
                    .then(|| opts.get(&["--kubernetes-version", "-k"]))
                    .flatten(),
                span,
                path,
                ..Cluster::default()
            }),
            ["aks", "nodepool", "upgrade"] => {
                let mut pool = opts.pool(&path, span);
                pool.name = opts.get(&["--name", "-n", "--nodepool-name"]);
                if opts.get(&["--node-image-only"]).is_none() {
                    pool.orchestrator_version = opts.get(&["--kubernetes-version", "-k"]);
                }
                out.push(opts.pool_cluster("az aks nodepool upgrade".into(), pool, span, path));
            }
            ["aks", "update"] => out.push(Cluster {
                kind: "az aks update".into(),
                name: opts
                    .get(&["--name", "-n"])
                    .map(|v| v.text)
                    .unwrap_or_default(),
                node_os_upgrade_channel: opts.get(&["--node-os-upgrade-channel"]),
                span,
                path,
                ..Cluster::default()
            }),
            ["feature", "register"] => out.push(Cluster {
                kind: "az feature register".into(),
                features: opts.get(&["--name", "-n"]).into_iter().collect(),
                span,
                path,
                ..Cluster::default()
            }),
            _ => {}
        }
        // The command's unresolved flags, on its pool (a command defines at most one).
        if let Some(c) = out.get_mut(before) {
            c.unresolved.extend(opts.unresolved.iter().cloned());
            c.place_unresolved();
        }
    }
    mark_acl_elsewhere(&mut out);
    out
}

/// An `az deployment group|sub|mg|tenant create` (or `validate`/`what-if`) of a template file,
/// with the parameters it passes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// `--template-file`/`-f` as written.
    pub template: String,
    /// Parameter sources in order (later wins, as az applies them).
    pub params: Vec<DeployParam>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeployParam {
    /// `key=value`: the name, the value and its byte range in the script.
    Inline(String, String, usize, usize),
    /// `@file.json`, `file.json`, `file.bicepparam`.
    File(String),
}

/// The template deployments a script makes.
pub fn deployments(text: &str) -> Vec<Deployment> {
    let mut out = Vec::new();
    for cmd in commands(text) {
        let w: Vec<&Word> = cmd.iter().collect();
        let Some(az) = w
            .iter()
            .position(|x| x.text == "az" || x.text.ends_with("/az"))
        else {
            continue;
        };
        let sub: Vec<&str> = w[az + 1..]
            .iter()
            .take_while(|x| !x.text.starts_with('-'))
            .map(|x| x.text.as_str())
            .collect();
        if !matches!(
            sub.as_slice(),
            [
                "deployment",
                "group" | "sub" | "mg" | "tenant",
                "create" | "validate" | "what-if"
            ]
        ) {
            continue;
        }
        let rest = &w[az + 1 + sub.len()..];
        let mut d = Deployment {
            template: String::new(),
            params: Vec::new(),
        };
        let mut i = 0;
        while i < rest.len() {
            let flag = rest[i].text.as_str();
            i += 1;
            match flag {
                "--template-file" | "-f" => {
                    if let Some(v) = rest.get(i) {
                        d.template = v.text.clone();
                        i += 1;
                    }
                }
                "--parameters" | "-p" => {
                    while let Some(v) = rest.get(i)
                        && !v.text.starts_with('-')
                    {
                        i += 1;
                        if let Some(p) = deploy_param(v) {
                            d.params.push(p);
                        }
                    }
                }
                _ => {}
            }
        }
        if !d.template.is_empty() {
            out.push(d);
        }
    }
    out
}

/// One word after `--parameters`: a file, or `key=value` (a literal value: a `$VAR` or `{json}`
/// is not read).
fn deploy_param(w: &Word) -> Option<DeployParam> {
    let t = w.text.as_str();
    if let Some(f) = t.strip_prefix('@') {
        return Some(DeployParam::File(f.to_string()));
    }
    if t.ends_with(".json") || t.ends_with(".bicepparam") {
        return Some(DeployParam::File(t.to_string()));
    }
    if t.starts_with('{') || w.raw.contains('$') {
        return None;
    }
    let (k, v) = t.split_once('=')?;
    // The value's bytes in the script: after the `=` of the raw word, inside its quotes.
    let eq = w.raw.find('=')?;
    let mut vs = w.start + eq + 1;
    let mut ve = w.end;
    let raw_v = &w.raw[eq + 1..];
    if raw_v.len() >= 2 && (raw_v.starts_with('"') || raw_v.starts_with('\'')) {
        vs += 1;
        ve -= 1;
    } else if w.raw.starts_with('"') || w.raw.starts_with('\'') {
        ve -= 1;
    }
    Some(DeployParam::Inline(
        k.to_string(),
        v.to_string(),
        vs,
        ve.max(vs),
    ))
}

/// Commands that change a cluster or pool the script made ACL (`az aks create`/`nodepool add`
/// with `--os-sku AzureContainerLinux`) are checked as ACL: `az aks update`/`upgrade` of that
/// cluster, `az aks nodepool update`/`upgrade` of that pool.
fn mark_acl_elsewhere(out: &mut [Cluster]) {
    let mut clusters = std::collections::HashSet::new();
    let mut pools = std::collections::HashSet::new();
    for c in out.iter() {
        for p in c.pools.iter().filter(|p| p.is_acl()) {
            clusters.insert(c.name.clone());
            if let Some(n) = &p.name {
                pools.insert((c.name.clone(), n.text.clone()));
            }
        }
    }
    for c in out.iter_mut() {
        match c.kind.as_str() {
            "az aks update" | "az aks upgrade" => c.acl_elsewhere = clusters.contains(&c.name),
            "az aks nodepool update" | "az aks nodepool upgrade" => {
                for p in &mut c.pools {
                    p.acl_elsewhere = p
                        .name
                        .as_ref()
                        .is_some_and(|n| pools.contains(&(c.name.clone(), n.text.clone())));
                }
            }
            _ => {}
        }
    }
}

/// Flags that take no value.
const SWITCHES: &[&str] = &[
    "--enable-secure-boot",
    "--enable-vtpm",
    "--disable-secure-boot",
    "--disable-vtpm",
    "--enable-artifact-streaming",
    "--disable-artifact-streaming",
    "--enable-fips-image",
    "--disable-fips-image",
    "--no-wait",
    "--node-image-only",
    "--yes",
    "-y",
    "--generate-ssh-keys",
    "--enable-managed-identity",
    "--enable-aad",
    "--enable-azure-rbac",
    "--enable-cluster-autoscaler",
    "--disable-cluster-autoscaler",
    "--enable-addons",
    "--debug",
    "--verbose",
    "--only-show-errors",
    "--aks-custom-headers",
];

/// Flags that take several words (`--tags a=b c=d`).
const MULTI: &[&str] = &[
    "--tags",
    "--nodepool-tags",
    "--labels",
    "--nodepool-labels",
    "--node-taints",
    "--zones",
    "-z",
];

struct Opts {
    /// Flag, then its values (a switch has its own word as value `true`).
    items: Vec<(String, Vec<Val>)>,
    /// Relevant flags whose value could not be resolved (an unset `$VAR`, a `$(command)`).
    unresolved: Vec<crate::model::nodepool::Unresolved>,
}

impl Opts {
    fn parse(words: &[Word], vars: &HashMap<String, Val>, idx: &LineIndex<'_>) -> Self {
        let mut items: Vec<(String, Vec<Val>)> = Vec::new();
        let mut unresolved = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let w = &words[i];
            i += 1;
            if !w.text.starts_with('-') {
                continue;
            }
            if let Some((flag, _)) = w.text.split_once('=').filter(|_| w.text.starts_with("--")) {
                let off = flag.len() + 1;
                let raw_off = w.raw.find('=').map_or(off, |r| r + 1);
                let v = resolve_word(
                    &w.text[off..],
                    &w.raw[raw_off.min(w.raw.len())..],
                    w.start + raw_off,
                    w.end,
                    w.literal,
                    vars,
                    idx,
                );
                items.push((flag.to_string(), v.into_iter().collect()));
                continue;
            }
            let flag = w.text.clone();
            if SWITCHES.contains(&flag.as_str()) {
                let v = if flag.starts_with("--disable-") {
                    "false"
                } else {
                    "true"
                };
                let mut val = Val::new(v, idx.span(w.start, w.end), "");
                val.written = Some(flag.clone());
                items.push((flag, vec![val]));
                continue;
            }
            let mut values = Vec::new();
            while i < words.len() && (!words[i].text.starts_with('-') || words[i].text.len() == 1) {
                let v = &words[i];
                let r = resolve_word(&v.text, &v.raw, v.start, v.end, v.literal, vars, idx);
                if r.is_none() && crate::model::nodepool::is_relevant(&flag) {
                    unresolved.push(crate::model::nodepool::Unresolved {
                        field: flag.clone(),
                        span: idx.span(v.start, v.end),
                        why: format!("`{}` has no value in this script", v.raw),
                    });
                }
                values.extend(r);
                i += 1;
                if !MULTI.contains(&flag.as_str()) {
                    break;
                }
            }
            items.push((flag, values));
        }
        Opts { items, unresolved }
    }

    /// Gives every value the path `<base>/<flag>`.
    fn set_paths(&mut self, base: &str) {
        for (flag, values) in &mut self.items {
            for v in values {
                v.path = format!("{base}/{}", flag.trim_start_matches('-'));
            }
        }
    }

    /// The last value given for any of `names` (az takes the last).
    fn get(&self, names: &[&str]) -> Option<Val> {
        self.items
            .iter()
            .rev()
            .find(|(f, _)| names.contains(&f.as_str()))
            .and_then(|(_, v)| v.first().cloned())
    }

    fn switch(&self, on: &str, off: &str) -> Option<Val> {
        self.items
            .iter()
            .rev()
            .find(|(f, _)| f == on || f == off)
            .and_then(|(_, v)| v.first().cloned())
    }

    /// `key=value` words of a multi-word flag; a value that is itself a resolved variable holding
    /// several words is split on spaces.
    fn tags(&self, flag: &str) -> Vec<(String, Val)> {
        let mut out = Vec::new();
        for (_, values) in self.items.iter().filter(|(f, _)| f == flag) {
            for v in values {
                for part in v.text.split_whitespace() {
                    if let Some((k, val)) = part.split_once('=') {
                        let mut t = v.clone();
                        t.text = val.to_string();
                        out.push((k.to_string(), t));
                    }
                }
            }
        }
        out
    }

    /// The cluster an `az aks nodepool` command names (`--cluster-name`), holding the one pool it acts on.
    fn pool_cluster(&self, kind: String, pool: Pool, span: Span, path: String) -> Cluster {
        Cluster {
            kind,
            name: self
                .get(&["--cluster-name"])
                .map(|v| v.text)
                .unwrap_or_default(),
            pools: vec![pool],
            span,
            path,
            ..Cluster::default()
        }
    }

    fn pool(&self, path: &str, span: Span) -> Pool {
        let with_path = |v: Option<Val>, flag: &str| {
            v.map(|mut v| {
                v.path = format!("{path}/{}", flag.trim_start_matches('-'));
                v
            })
        };
        Pool {
            os_type: with_path(self.get(&["--os-type"]), "--os-type"),
            os_sku: with_path(self.get(&["--os-sku"]), "--os-sku"),
            vm_size: with_path(self.get(&["--node-vm-size", "-s"]), "--node-vm-size"),
            enable_secure_boot: with_path(
                self.switch("--enable-secure-boot", "--disable-secure-boot"),
                "--enable-secure-boot",
            ),
            enable_vtpm: with_path(
                self.switch("--enable-vtpm", "--disable-vtpm"),
                "--enable-vtpm",
            ),
            ssh_access: with_path(self.get(&["--ssh-access"]), "--ssh-access"),
            workload_runtime: with_path(self.get(&["--workload-runtime"]), "--workload-runtime"),
            artifact_streaming: with_path(
                self.switch(
                    "--enable-artifact-streaming",
                    "--disable-artifact-streaming",
                ),
                "--enable-artifact-streaming",
            ),
            fips: with_path(
                self.switch("--enable-fips-image", "--disable-fips-image"),
                "--enable-fips-image",
            ),
            span,
            path: path.to_string(),
            ..Pool::default()
        }
    }
}

/// Sets the shell variables that `NAME=value` words among `words` assign.
fn assign(words: &[Word], vars: &mut HashMap<String, Val>, idx: &LineIndex<'_>) {
    for w in words {
        if let Some((name, off)) = assignment(w) {
            let value = resolve_word(
                &w.text[off..],
                &w.raw,
                w.start + off,
                w.end,
                w.literal,
                vars,
                idx,
            );
            let v = value
                .unwrap_or_else(|| Val::new(&w.text[off..], idx.span(w.start + off, w.end), ""));
            vars.insert(name.to_string(), v);
        }
    }
}

/// `NAME=` at the start of a word: the name and the offset of the value in the word's text.
fn assignment(w: &Word) -> Option<(&str, usize)> {
    let eq = w.raw.find('=')?;
    let name = &w.raw[..eq];
    let ok = !name.is_empty()
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    ok.then(|| (&w.text[..eq], eq + 1))
}

/// The value of a word (or a word's tail): literal text as written, or a single `$VAR` /
/// `${VAR}` / `${VAR:-default}` resolved. `None` when it cannot be known.
fn resolve_word(
    text: &str,
    raw: &str,
    start: usize,
    end: usize,
    literal: bool,
    vars: &HashMap<String, Val>,
    idx: &LineIndex<'_>,
) -> Option<Val> {
    if literal || !raw.contains('$') {
        return Some(Val::new(text, idx.span(start, end), ""));
    }
    let r = raw.trim_matches('"');
    let q = usize::from(raw.starts_with('"'));
    let (name, default) =
        if let Some(inner) = r.strip_prefix("${").and_then(|s| s.strip_suffix('}')) {
            match inner.find([':', '-', '=']) {
                Some(i) => {
                    let op_len = if inner[i..].starts_with(":-") || inner[i..].starts_with(":=") {
                        2
                    } else {
                        1
                    };
                    if !matches!(&inner[i..i + op_len], ":-" | ":=" | "-" | "=") {
                        return None;
                    }
                    let d = &inner[i + op_len..];
                    let d_start = start + q + 2 + i + op_len;
                    (&inner[..i], Some((d, d_start)))
                }
                None => (inner, None),
            }
        } else if let Some(n) = r.strip_prefix('$') {
            (n, None)
        } else {
            return None;
        };
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || name.is_empty() {
        return None;
    }
    let use_line = idx.pos(start).line;
    if let Some(v) = vars.get(name) {
        // Reported where it is used (each use its own finding), noting where it was assigned.
        let mut u = Val::new(v.text.clone(), idx.span(start, end), "");
        u.assigned_at = Some(v.span.start.line).filter(|&l| l != use_line);
        return Some(u);
    }
    let (d, d_start) = default?;
    if d.contains('$') {
        return None;
    }
    let d = d.trim_matches(['"', '\'']);
    Some(Val::new(d, idx.span(d_start, d_start + d.len()), ""))
}

/// Splits a script into simple commands of words, as bash would.
fn commands(text: &str) -> Vec<Vec<Word>> {
    let b = text.as_bytes();
    let mut cmds = Vec::new();
    let mut cur: Vec<Word> = Vec::new();
    let mut i = 0;
    let mut heredoc: Option<String> = None;
    while i < b.len() {
        if let Some(tag) = &heredoc {
            // Skip the heredoc body up to its terminator line.
            let line_end = text[i..].find('\n').map_or(b.len(), |n| i + n);
            if text[i..line_end].trim() == tag {
                heredoc = None;
            }
            i = line_end + 1;
            continue;
        }
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\\' if b.get(i + 1) == Some(&b'\n') => i += 2,
            b'\\' if b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') => i += 3,
            b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'`' => {
                if !cur.is_empty() {
                    cmds.push(std::mem::take(&mut cur));
                }
                i += 1;
            }
            b'#' => {
                i = text[i..].find('\n').map_or(b.len(), |n| i + n);
            }
            _ => {
                let (w, next) = word(text, i);
                if w.raw.starts_with("<<") {
                    let tag = w
                        .raw
                        .trim_start_matches("<<")
                        .trim_start_matches(['-', '~'])
                        .trim_matches(['\'', '"'])
                        .to_string();
                    let tag = if tag.is_empty() {
                        let (t, n2) = word(text, next);
                        i = n2;
                        t.text
                    } else {
                        i = next;
                        tag
                    };
                    if !tag.is_empty() {
                        heredoc = Some(tag);
                        if !cur.is_empty() {
                            cmds.push(std::mem::take(&mut cur));
                        }
                        i = text[i..].find('\n').map_or(b.len(), |n| i + n + 1);
                    }
                    continue;
                }
                cur.push(w);
                i = next.max(i + 1);
            }
        }
    }
    if !cur.is_empty() {
        cmds.push(cur);
    }
    cmds
}

/// One word from byte `start`: quotes removed, escapes applied; `$(...)` and `${...}` kept whole.
fn word(text: &str, start: usize) -> (Word, usize) {
    let b = text.as_bytes();
    let mut out = String::new();
    let mut i = start;
    let mut literal = false;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b';' | b'&' | b'|' | b'(' | b')' | b'`' => break,
            b'<' | b'>' if i == start && !(c == b'<' && b.get(i + 1) == Some(&b'<')) => {
                i += 1;
                break;
            }
            b'\\' if b.get(i + 1) == Some(&b'\n') => break,
            b'\\' => {
                if let Some(ch) = text[i + 1..].chars().next() {
                    out.push(ch);
                    i += 1 + ch.len_utf8();
                } else {
                    i += 1;
                }
            }
            b'\'' => {
                let end = text[i + 1..].find('\'').map_or(b.len(), |n| i + 1 + n);
                out.push_str(&text[i + 1..end]);
                literal = true;
                i = (end + 1).min(b.len());
            }
            b'"' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    if b[j] == b'\\' && j + 1 < b.len() {
                        j += 1;
                    }
                    j += 1;
                }
                out.push_str(
                    &text[i + 1..j.min(b.len())]
                        .replace("\\\"", "\"")
                        .replace("\\\\", "\\"),
                );
                i = (j + 1).min(b.len());
            }
            b'$' if b.get(i + 1) == Some(&b'{') || b.get(i + 1) == Some(&b'(') => {
                let (open, close) = if b[i + 1] == b'{' {
                    (b'{', b'}')
                } else {
                    (b'(', b')')
                };
                let mut depth = 0;
                let mut j = i + 1;
                while j < b.len() {
                    if b[j] == open {
                        depth += 1;
                    } else if b[j] == close {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    } else if b[j] == b'\n' && open == b'{' {
                        break;
                    }
                    j += 1;
                }
                let end = (j + 1).min(b.len());
                out.push_str(&text[i..end]);
                i = end;
            }
            _ => {
                let ch = text[i..].chars().next().unwrap_or(' ');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    let end = i.max(start);
    let raw = text[start..end].to_string();
    let literal = literal && raw.starts_with('\'') && raw.ends_with('\'');
    (
        Word {
            text: out,
            start,
            end,
            raw,
            literal,
        },
        end,
    )
}

/// Markdown: the shell fences (`bash`, `sh`, `shell`, `zsh`, `console`, `azurecli`,
/// `azurecli-interactive`, `azcli`, or untagged when their first command is `az`) as a script of
/// the same lines and columns (every other line blank; a `$ ` prompt blanked).
pub fn markdown_script(text: &str) -> String {
    const SHELL: &[&str] = &[
        "bash",
        "sh",
        "shell",
        "zsh",
        "console",
        "azurecli",
        "azurecli-interactive",
        "azcli",
    ];
    let mut out = String::with_capacity(text.len());
    let mut fence: Option<(String, bool)> = None;
    let lines: Vec<&str> = text.split('\n').collect();
    for (n, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let marker = if t.starts_with("```") {
            Some("```")
        } else if t.starts_with("~~~") {
            Some("~~~")
        } else {
            None
        };
        match (&fence, marker) {
            (None, Some(m)) => {
                let tag = t
                    .trim_start_matches(m.chars().next().unwrap_or('`'))
                    .trim()
                    .split([' ', '{', ','])
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let shell = if tag.is_empty() {
                    lines[n + 1..]
                        .iter()
                        .map(|l| l.trim())
                        .find(|l| !l.is_empty())
                        .is_some_and(|l| l.trim_start_matches("$ ").starts_with("az "))
                } else {
                    SHELL.contains(&tag.as_str())
                };
                fence = Some((m.to_string(), shell));
            }
            (Some((m, _)), Some(m2))
                if m == m2
                    && t.trim_end()
                        .chars()
                        .all(|c| c == m.chars().next().unwrap_or('`')) =>
            {
                fence = None
            }
            (Some((_, true)), _) => {
                if let Some(rest) = line.strip_prefix("$ ") {
                    out.push_str("  ");
                    out.push_str(rest);
                } else {
                    out.push_str(line);
                }
            }
            _ => {}
        }
        if n + 1 < lines.len() {
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_variables_and_continuations() {
        let s = "SIZE=Standard_D2_v3\naz aks nodepool add -g rg --cluster-name c -n p \\\n  --node-vm-size $SIZE --os-sku 'AzureContainerLinux'\n";
        let cs = read(s);
        assert_eq!(cs.len(), 1);
        let p = &cs[0].pools[0];
        let size = p.vm_size.as_ref().unwrap();
        assert_eq!(size.text, "Standard_D2_v3");
        // At the use, noting the assignment.
        assert_eq!((size.span.start.line, size.span.start.col), (3, 18));
        assert_eq!(size.assigned_at, Some(1));
        assert_eq!(p.os_sku.as_ref().unwrap().text, "AzureContainerLinux");
    }

    #[test]
    fn updates_of_acl_clusters_and_pools_are_acl() {
        let s = "C=aks\naz aks nodepool add --cluster-name $C -n acl --os-sku AzureContainerLinux\naz aks update -n \"$C\" --node-os-upgrade-channel Unmanaged\naz aks update -n other --node-os-upgrade-channel Unmanaged\naz aks nodepool upgrade --cluster-name aks -n acl -k 1.30\naz aks nodepool upgrade --cluster-name aks -n ubuntu -k 1.30\naz aks upgrade -n aks --node-image-only\n";
        let cs = read(s);
        let acl: Vec<(&str, bool)> = cs
            .iter()
            .map(|c| (c.kind.as_str(), c.in_scope(false)))
            .collect();
        assert_eq!(
            acl,
            vec![
                ("az aks nodepool add", true),
                ("az aks update", true),
                ("az aks update", false),
                ("az aks nodepool upgrade", true),
                ("az aks nodepool upgrade", false),
                ("az aks upgrade", true),
            ]
        );
        assert!(cs[5].kubernetes_version.is_none());
    }

    #[test]
    fn template_deployments() {
        let s = "az deployment group create -g rg --template-file infra/main.bicep \\\n  --parameters @infra/main.bicepparam vmSize=Standard_D2_v3 'channel=Unmanaged' x=$X\n";
        let d = deployments(s);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].template, "infra/main.bicep");
        assert_eq!(
            d[0].params,
            vec![
                DeployParam::File("infra/main.bicepparam".into()),
                DeployParam::Inline("vmSize".into(), "Standard_D2_v3".into(), 113, 127),
                DeployParam::Inline("channel".into(), "Unmanaged".into(), 137, 146),
            ]
        );
        assert_eq!(&s[113..127], "Standard_D2_v3");
        assert_eq!(&s[137..146], "Unmanaged");
    }

    #[test]
    fn defaults_and_comments() {
        let s = "# az aks create --node-vm-size Standard_A1\naz aks create -n c --node-vm-size \"${SIZE:-Standard_D4_v3}\"\n";
        let cs = read(s);
        assert_eq!(cs.len(), 1);
        let size = cs[0].pools[0].vm_size.as_ref().unwrap();
        assert_eq!(size.text, "Standard_D4_v3");
        assert_eq!((size.span.start.line, size.span.start.col), (2, 44));
    }

    #[test]
    fn markdown_keeps_positions() {
        let md = "# t\n\n```bash\naz feature register --name AKSFlatcarPreview\n```\n\n```yaml\naz: x\n```\n";
        let cs = read(&markdown_script(md));
        assert_eq!(cs.len(), 1);
        assert_eq!(cs[0].features[0].span.start.line, 4);
    }
}
